#!/usr/bin/env node
// Compares EmbedSharp's `tokenize --jsonl` output with huggingface_reference.js's, line by line.
//   node huggingface_compare.js NAME INPUT_JSONL REFERENCE_JSONL OURS_JSONL [MAX_SHOWN]
// Prints one summary line (lines, and how many agree on ids, tokens, offsets, decoded text, all four) and the first
// differing lines. Exit code 0 always (the summary is the result).
'use strict';
const fs = require('fs');
const [name, inputPath, refPath, oursPath, maxShownArg] = process.argv.slice(2);
const read = (p) => fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.length > 0);
const inputs = read(inputPath).map((l) => JSON.parse(l));
const ref = read(refPath).map((l) => JSON.parse(l));
const ours = read(oursPath).map((l) => JSON.parse(l));
const maxShown = Number(maxShownArg || 3);
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const count = { ids: 0, tokens: 0, offsets: 0, decoded: 0, all: 0 };
const shown = [];
for (let i = 0; i < inputs.length; i++) {
  const r = ref[i], o = ours[i] || { ids: null, tokens: null, offsets: null, decoded: null };
  const ok = { ids: eq(r.ids, o.ids), tokens: eq(r.tokens, o.tokens), offsets: eq(r.offsets, o.offsets), decoded: r.decoded === o.decoded };
  for (const k of Object.keys(ok)) if (ok[k]) count[k]++;
  if (ok.ids && ok.tokens && ok.offsets && ok.decoded) count.all++;
  else if (shown.length < maxShown) {
    let j = 0;
    const rt = r.tokens || [], ot = o.tokens || [];
    while (j < rt.length && j < ot.length && rt[j] === ot[j] && eq(r.offsets[j], o.offsets[j]) && r.ids[j] === o.ids[j]) j++;
    shown.push(`  line ${i + 1} ${JSON.stringify(inputs[i]).slice(0, 80)}: ` +
      Object.keys(ok).filter((k) => !ok[k]).join(',') + ` differ; first at token ${j}: ` +
      `ref ${JSON.stringify([r.ids[j], rt[j], r.offsets[j]])} ours ${JSON.stringify([o.ids && o.ids[j], ot[j], o.offsets && o.offsets[j]])}` +
      (ok.decoded ? '' : ` decoded ref ${JSON.stringify(r.decoded).slice(0, 60)} ours ${JSON.stringify(o.decoded).slice(0, 60)}`));
  }
}
const n = inputs.length;
const pct = (k) => `${k} ${count[k]}/${n}`;
console.log(`${name.padEnd(28)} lines ${n}: ${pct('ids')}, ${pct('tokens')}, ${pct('offsets')}, ${pct('decoded')}, all ${count.all}/${n} (${(100 * count.all / n).toFixed(2)}%)`);
for (const s of shown) console.log(s);
