// Regenerates tests/data/tiktoken/goldens.json with the npm package tiktoken 1.0.22 (OpenAI's tiktoken Rust core as
// WASM), fetched and checked by tools/compat/tiktoken_fetch.sh.
// Usage: node tools/goldens/make_tiktoken.mjs   (from the repository root; Node 20)
// For each encoding and case text: the ids with every special token allowed (encode(text, "all")), the ids of
// encode_ordinary (special token strings as text; only where they differ), the decoded text, and for some cases each token decoded alone
// (TextDecoder, invalid UTF-8 → U+FFFD, as tiktoken's decode(errors="replace")).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const cache = execFileSync("bash", [path.join(root, "tools/compat/tiktoken_fetch.sh")], { encoding: "utf8" }).trim();
const require = createRequire(import.meta.url);
const tiktoken = require(path.join(cache, "package/tiktoken.cjs"));
const version = JSON.parse(fs.readFileSync(path.join(cache, "package/package.json"), "utf8")).version;

const sample = fs.readFileSync(path.join(root, "tests/data/tiktoken/sample.txt"), "utf8");
const cases = [
  ...sample.split("\n").slice(0, -1),
  sample,
  sample.replaceAll("\n", "\r\n"),
  // The pattern's tricky corners: whitespace before newlines and at the end, digits in threes, contractions.
  "  \n  ", "\n\n\n", "a  \n\n  b", "   ", "x   y", "\r\n", "\t \n", "a\r\n\r\nb", " \n \n x", "trailing\n  ",
  "123456789", "1 23 456 7890", "12345.6789", "I'M", "you'RE", "'s's", "it's'll", "x'd'", "HE'S", "'ſ", "'K",
  "path/to/file\n/next", "a/b//c\r\n", "!!!\n\n", " !!!\r\n", "𝟏𝟐𝟑𝟒𝟓", "𝐀bc", "😀abc", "x😀abc", ".abc", "\u00a0abc",
  "<|endoftext|>", "a<|endoftext|>b", "<|endoftext|><|endoftext|>", "x <|fim_prefix|> y", "<|endofprompt|>\n",
  "", " ", "A",
];
const encodings = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"];
const decoder = new TextDecoder("utf-8", { fatal: false });
const out = { tool: `npm tiktoken ${version} (Node ${process.version})`, cases, encodings: {} };
for (const name of encodings) {
  const enc = tiktoken.get_encoding(name);
  const results = [];
  for (const text of cases) {
    const all = Array.from(enc.encode(text, "all"));
    const ordinary = Array.from(enc.encode_ordinary(text));
    const r = { all, decoded: decoder.decode(enc.decode(all)) };
    if (ordinary.join() !== all.join()) r.ordinary = ordinary; // absent: the same as "all"
    if (/[😀𝐀日Ⅻ]/u.test(text) && text.length < 200) {
      r.single = all.map((id) => decoder.decode(enc.decode(new Uint32Array([id]))));
    }
    results.push(r);
  }
  out.encodings[name] = results;
  enc.free();
}
const file = path.join(root, "tests/data/tiktoken/goldens.json");
fs.writeFileSync(file, JSON.stringify(out) + "\n");
console.log(`${file}: ${cases.length} cases × ${encodings.length} encodings`);
