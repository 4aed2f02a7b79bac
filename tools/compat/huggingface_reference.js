#!/usr/bin/env node
// Reference side of tools/compat/huggingface.sh (and of tools/goldens/make_huggingface.sh): Hugging Face's own
// `tokenizers` library (npm binding of the Rust crate) encodes every line of a JSONL file of strings and prints one JSON
// object per line: ids, tokens, offsets (converted from the binding's code-point offsets to UTF-16 units, the unit of
// EmbedSharp's TokenSpan) and decoded (decode(ids, skip_special_tokens=false)).
//
//   node huggingface_reference.js encode TOKENIZER_JSON INPUT_JSONL [--no-special-tokens] > OUT_JSONL
//   node huggingface_reference.js make-bert VOCAB_TXT OUT_JSON                 (HF's own library builds BertWordPieceTokenizer's
//                                                                             pipeline on a vocab.txt and saves it)
//   node huggingface_reference.js make-unigram SPM_MODEL OUT_JSON [t5|albert] (a Unigram tokenizer.json from a SentencePiece
//                                                                             model, as transformers' T5/AlbertConverter)
// NODE_PATH must reach the `tokenizers` package.
'use strict';
const fs = require('fs');

function utf16Offsets(text) {
  // position[i] = UTF-16 index of code point i
  const pos = [0];
  let u = 0;
  for (const ch of text) { u += ch.length; pos.push(u); }
  return pos;
}

async function encode(tokenizerPath, inputPath, addSpecial) {
  const { Tokenizer } = require('tokenizers');
  const tokenizer = Tokenizer.fromFile(tokenizerPath);
  const lines = fs.readFileSync(inputPath, 'utf8').split('\n').filter((l) => l.length > 0);
  const out = [];
  for (const line of lines) {
    const text = JSON.parse(line);
    const e = await tokenizer.encode(text, null, { addSpecialTokens: addSpecial });
    const pos = utf16Offsets(text);
    const ids = e.getIds();
    const offsets = e.getOffsets().map(([s, t]) => [pos[s], pos[t]]);
    const decoded = await tokenizer.decode(ids, false);
    out.push(JSON.stringify({ ids, tokens: e.getTokens(), offsets, decoded }));
  }
  process.stdout.write(out.join('\n') + '\n');
}

// bert-base-uncased's tokenizer.json as Hugging Face's BertWordPieceTokenizer(lowercase=True) writes it: the library
// itself loads the vocab.txt (WordPiece.from_file) and saves the file, so nothing in it is our reading of the format.
async function makeBert(vocabPath, outPath) {
  const t = require('tokenizers');
  const model = await new Promise((resolve, reject) => {
    const r = t.WordPiece.fromFile(vocabPath, { unkToken: '[UNK]' }, (e, m) => (e ? reject(e) : resolve(m)));
    if (r) resolve(r);
  });
  const tokenizer = new t.Tokenizer(model);
  tokenizer.setNormalizer(t.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: true }));
  tokenizer.setPreTokenizer(t.bertPreTokenizer());
  const id = (token) => { const i = tokenizer.tokenToId(token); if (i === null || i === undefined) throw new Error(token + ' missing'); return i; };
  tokenizer.setPostProcessor(t.bertProcessing(['[SEP]', id('[SEP]')], ['[CLS]', id('[CLS]')]));
  tokenizer.setDecoder(t.wordPieceDecoder('##'));
  tokenizer.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  tokenizer.save(outPath);
}

// Minimal protobuf reading for SentencePiece's ModelProto.
function* fields(buf, start = 0, end = buf.length) {
  let p = start;
  const varint = () => { let r = 0n, s = 0n; for (;;) { const b = buf[p++]; r |= BigInt(b & 0x7f) << s; if (!(b & 0x80)) return r; s += 7n; } };
  while (p < end) {
    const key = Number(varint()); const no = key >> 3; const wt = key & 7;
    if (wt === 0) yield [no, wt, varint()];
    else if (wt === 1) { yield [no, wt, buf.subarray(p, p + 8)]; p += 8; }
    else if (wt === 2) { const n = Number(varint()); yield [no, wt, buf.subarray(p, p + n)]; p += n; }
    else if (wt === 5) { yield [no, wt, buf.subarray(p, p + 4)]; p += 4; }
    else throw new Error('bad wire type ' + wt);
  }
}

function makeUnigram(modelPath, outPath, flavor = 't5') {
  const buf = fs.readFileSync(modelPath);
  const vocab = []; let charsmap = Buffer.alloc(0); let unkId = 0; let byteFallback = false;
  for (const [no, , v] of fields(buf)) {
    if (no === 1) {
      let piece = '', score = 0, type = 1;
      for (const [n2, , v2] of fields(v)) {
        if (n2 === 1) piece = Buffer.from(v2).toString('utf8');
        else if (n2 === 2) score = Buffer.from(v2).readFloatLE(0);
        else if (n2 === 3) type = Number(v2);
      }
      if (type === 2) unkId = vocab.length;
      vocab.push([piece, score]);
    } else if (no === 2) {
      for (const [n2, , v2] of fields(v)) {
        if (n2 === 3 && Number(v2) !== 1) throw new Error('not a unigram model');
        if (n2 === 35) byteFallback = Number(v2) !== 0;
      }
    } else if (no === 3) {
      for (const [n2, , v2] of fields(v)) if (n2 === 2) charsmap = Buffer.from(v2);
    }
  }
  if (flavor === 'albert') { writeAlbert(vocab, charsmap, unkId, byteFallback, outPath); return; }
  const eos = vocab.findIndex(([p]) => p === '</s>');
  const json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: vocab.map(([p], i) => [p, i]).filter(([p]) => ['<unk>', '<s>', '</s>', '<pad>'].includes(p))
      .map(([p, i]) => ({ id: i, content: p, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Precompiled', precompiled_charsmap: charsmap.toString('base64') },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [eos], tokens: ['</s>'] } } },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: unkId, vocab, byte_fallback: byteFallback },
  };
  fs.writeFileSync(outPath, JSON.stringify(json));
}

// transformers' AlbertConverter (do_lower_case, not keep_accents): `` and '' become ", NFKD, StripAccents, Lowercase,
// the model's precompiled charsmap, runs of spaces collapsed; Metaspace; "[CLS] $A [SEP]"; a piece ending in
// digit + comma scores 100 lower, as the converter does.
function writeAlbert(vocab, charsmap, unkId, byteFallback, outPath) {
  const scored = vocab.map(([p, s]) => [p, p.length >= 2 && p.endsWith(',') && /[0-9]/.test(p[p.length - 2]) ? s - 100 : s]);
  const id = (token) => { const i = vocab.findIndex(([p]) => p === token); if (i < 0) throw new Error(token + ' missing'); return i; };
  const special = ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]'].filter((p) => vocab.some(([q]) => q === p));
  const json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: special.map((p) => ({ id: id(p), content: p, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Replace', pattern: { String: '``' }, content: '"' },
      { type: 'Replace', pattern: { String: "''" }, content: '"' },
      { type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' },
      { type: 'Precompiled', precompiled_charsmap: charsmap.toString('base64') },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] } } },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: unkId, vocab: scored, byte_fallback: byteFallback },
  };
  fs.writeFileSync(outPath, JSON.stringify(json));
}

const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'encode') encode(a, b, c !== '--no-special-tokens').catch((e) => { console.error(e); process.exit(1); });
else if (cmd === 'make-bert') makeBert(a, b).catch((e) => { console.error(e); process.exit(1); });
else if (cmd === 'make-unigram') makeUnigram(a, b, c);
else { console.error('usage: encode | make-bert | make-unigram'); process.exit(2); }
