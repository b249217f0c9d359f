"""The proxy service: Host → route → manifest → file bytes, for every deployed site."""
