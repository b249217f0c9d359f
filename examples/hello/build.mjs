// A dependency-free static site build: copies src/ to dist/ and stamps the build time.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

mkdirSync("dist", { recursive: true });
cpSync("src", "dist", { recursive: true });
const page = readFileSync("src/index.html", "utf8").replace("{{built}}", new Date().toISOString());
writeFileSync("dist/index.html", page);
