"""The build runner: fetch a commit, install, build, publish the output and its manifest.

Run as `python -m build_runner`; its whole input is the environment described in
`services.core.build_protocol`, its result is the exit code listed there.
"""
