#!/usr/bin/env node
// Reference side of tools/compat/huggingface.sh (and of tools/goldens/make_huggingface.sh): Hugging Face's own
// `tokenizers` library (npm binding of the Rust crate) encodes every line of a JSONL file of strings and prints one JSON
// object per line: ids, tokens, offsets (converted from the binding's code-point offsets to UTF-16 units, the unit of
// EmbedSharp's TokenSpan) and decoded (decode(ids, skip_special_tokens=false)).
//
//   node huggingface_reference.js encode TOKENIZER_JSON INPUT_JSONL [--no-special-tokens] > OUT_JSONL
//   node huggingface_reference.js make-wordpiece BERT_VOCAB_JSON OUT_JSON   (a BERT-uncased tokenizer.json, as HF's BertWordPieceTokenizer saves it)
//   node huggingface_reference.js make-unigram SPM_MODEL OUT_JSON            (a T5-style Unigram tokenizer.json from a SentencePiece model)
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

function makeWordPiece(vocabPath, outPath) {
  const list = JSON.parse(fs.readFileSync(vocabPath, 'utf8'));
  const vocab = {};
  list.forEach((t, i) => { if (!(t in vocab)) vocab[t] = i; });
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: special.filter((t) => t in vocab).map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] } } },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  fs.writeFileSync(outPath, JSON.stringify(json));
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

function makeUnigram(modelPath, outPath) {
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

const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'encode') encode(a, b, c !== '--no-special-tokens').catch((e) => { console.error(e); process.exit(1); });
else if (cmd === 'make-wordpiece') makeWordPiece(a, b);
else if (cmd === 'make-unigram') makeUnigram(a, b);
else { console.error('usage: encode | make-wordpiece | make-unigram'); process.exit(2); }
