#!/usr/bin/env node
// Writes the small tokenizer.json fixtures of tests/data/huggingface/ (hand-specified here, one per family of
// components) and goldens.json: what Hugging Face's `tokenizers` (npm binding of the Rust crate) gives for each
// fixture on tests/data/huggingface/texts.jsonl: ids, tokens, offsets (UTF-16), with and without special tokens, and
// decode(ids, skip_special_tokens) both ways.
//   NODE_PATH=<dir with tokenizers@0.23.2> node tools/goldens/make_huggingface.js
// (tools/goldens/make_huggingface.sh installs the pinned library and runs this.)
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');
const DIR = path.join(__dirname, '..', '..', 'tests', 'data', 'huggingface');

const bytesToUnicode = () => {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const map = {};
  bs.forEach((b, i) => { map[b] = String.fromCharCode(cs[i]); });
  return map;
};
const B2U = bytesToUnicode();
const byteLevel = (s) => Array.from(Buffer.from(s, 'utf8')).map((b) => B2U[b]).join('');

// Builds a vocab from base symbols and merges (each merge's result is added).
function bpeVocab(base, merges, prefix = '') {
  const vocab = {};
  for (const t of base) if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  for (const [a, b] of merges) { const t = a + b.slice(prefix.length); if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; }
  return vocab;
}
const added = (id, content, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...o });

const fixtures = {};

// 1. Byte-level BPE (GPT-2/RoBERTa style): NFKC, ByteLevel pre-tokenizer with the GPT-2 regex, RobertaProcessing,
//    ByteLevel decoder; merges as "a b" strings; added tokens special and normalized (lstrip).
{
  const words = ['the', 'Ġthe', 'Ġand', 'Ġof', 'ing', 'Ġw', 'Ġwor', 'ld', 'Ġworld', 'He', 'llo', 'Hello', 'er', 'Ġ1', '23'];
  const merges = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['t', 'he'], ['Ġ', 'a'], ['n', 'd'], ['Ġa', 'nd'], ['Ġ', 'o'], ['Ġo', 'f'], ['i', 'n'], ['in', 'g'],
    ['Ġ', 'w'], ['o', 'r'], ['Ġw', 'or'], ['l', 'd'], ['Ġwor', 'ld'], ['H', 'e'], ['l', 'l'], ['ll', 'o'], ['He', 'llo'], ['e', 'r'], ['Ġ', '1'], ['2', '3'],
    [byteLevel('é')[0], byteLevel('é')[1]], ['Ġ', 'Ġ'], ['ĠĠ', 'Ġ'], ['Ċ', 'Ċ']];
  const base = ['<s>', '<pad>', '</s>', '<unk>'].concat(Object.values(B2U));
  const vocab = bpeVocab(base, merges);
  void words;
  fixtures.bpe_bytelevel = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<s>'), added(1, '<pad>'), added(2, '</s>'), added(3, '<unk>'),
      added(Object.keys(vocab).length, '<mask>', { lstrip: true }), added(Object.keys(vocab).length + 1, 'hello', { normalized: true, special: false }),
      added(Object.keys(vocab).length + 2, '<|endoftext|>')],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}

// 2. Byte-level BPE with a Split regex (possessive quantifiers, \p classes), ignore_merges, a Sequence post-processor
//    (ByteLevel trim + template) and merges as [a, b] arrays.
{
  const merges = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'a'], ['n', 'd'], ['Ġa', 'nd'], ['1', '2'], ['12', '3'], ['Ġ', 'Ġ'], ['e', 'r']];
  const base = Object.values(B2U).concat(['<|begin_of_text|>', '<|end_of_text|>']);
  const vocab = bpeVocab(base, merges);
  vocab['Ġworld'] = Object.keys(vocab).length; // reachable only through ignore_merges
  fixtures.bpe_split_regex = {
    version: '1.0', truncation: { direction: 'Right', max_length: 8, strategy: 'LongestFirst', stride: 0 }, padding: null,
    added_tokens: [added(vocab['<|begin_of_text|>'], '<|begin_of_text|>'), added(vocab['<|end_of_text|>'], '<|end_of_text|>')],
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
    post_processor: { type: 'Sequence', processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [vocab['<|begin_of_text|>']], tokens: ['<|begin_of_text|>'] } } }] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab, merges },
  };
}

// 3. SentencePiece-style BPE (Llama 2): Prepend + Replace normalizer, no pre-tokenizer, byte_fallback, fuse_unk,
//    decoder Replace/ByteFallback/Fuse/Strip.
{
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const letters = '▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,!?\'éü中'.split('');
  const merges = [['▁', 't'], ['h', 'e'], ['▁t', 'he'], ['▁', 'a'], ['n', 'd'], ['▁a', 'nd'], ['▁', 'w'], ['o', 'r'], ['▁w', 'or'], ['l', 'd'], ['▁wor', 'ld'], ['e', 'r'], ['i', 'n'], ['in', 'g'], ['▁', '▁']];
  const vocab = bpeVocab(['<unk>', '<s>', '</s>'].concat(bytes, letters), merges);
  fixtures.bpe_byte_fallback = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
  };
}

// 4. BPE without bytes: unk (not fused), continuing_subword_prefix and end_of_word_suffix; NFD + StripAccents +
//    Lowercase; Whitespace pre-tokenizer; BPEDecoder.
{
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const base = ['<unk>'].concat(chars, chars.map((c) => '##' + c), chars.map((c) => c + '</w>'), chars.map((c) => '##' + c + '</w>'));
  const merges = [['t', '##h'], ['th', '##e</w>'], ['a', '##n'], ['an', '##d</w>'], ['##i', '##n'], ['##in', '##g</w>'], ['w', '##o'], ['wo', '##r'], ['##l', '##d</w>'], ['wor', '##ld</w>']];
  const vocab = bpeVocab(base, merges, '##');
  fixtures.bpe_prefix_suffix = {
    version: '1.0', truncation: null, padding: { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '<unk>' },
    added_tokens: [added(0, '<unk>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: '##', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}

// 5. WordPiece (BERT cased): BertNormalizer without lowercasing, BertPreTokenizer, BertProcessing, WordPiece decoder;
//    added tokens with lstrip, rstrip and single_word.
{
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'The', 'of', 'and', 'is', 'Paris', 'France', 'capital', 'un', '##aff', '##able', 'play', '##ing', '##ed',
    'hello', 'world', 'Hello', '.', ',', '!', '?', "'", '-', 'a', 'b', 'c', '##a', '##b', '##c', '中', '文', 'é', '##é', 'cafe', 'caf', 'naïve', 'x'];
  const vocab = {}; words.forEach((w, i) => { vocab[w] = i; });
  fixtures.wordpiece = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '[PAD]'), added(1, '[UNK]'), added(2, '[CLS]'), added(3, '[SEP]'), added(4, '[MASK]', { lstrip: true, rstrip: true }),
      added(words.length, 'xyz', { single_word: true, special: false, normalized: true })],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 12, vocab },
  };
}

// 5b. WordPiece (BERT uncased, the common case): BertNormalizer with lowercase and strip_accents left null (it follows
//     lowercase), so its NFD + Mn filter runs; Devanagari pieces show that spacing vowel signs (Mc) stay.
{
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'of', 'is', 'paris', 'france', 'capital', 'hello', 'world', '.', ',', '!', '?',
    'cafe', 'naive', 'resume', 'a', 'e', '##e', 'स', '##भ', '##ी', 'सभ', 'क', '##ो', '##ै', '##स', 'ह', '##ि', '##न', '##द', 'হ', '##া'];
  const vocab = {}; words.forEach((w, i) => { vocab[w] = i; });
  fixtures.wordpiece_uncased = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '[PAD]'), added(1, '[UNK]'), added(2, '[CLS]'), added(3, '[SEP]'), added(4, '[MASK]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

// 6. Unigram with byte_fallback: Strip + Replace(Regex) normalizer, Digits + Punctuation + Metaspace(first, no split)
//    pre-tokenizers, Metaspace decoder with ByteFallback.
{
  const bytes = Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0]);
  const pieces = [['▁the', -2], ['▁', -3], ['the', -4], ['▁a', -4.5], ['a', -5], ['b', -5.5], ['c', -6], ['d', -6], ['e', -5], ['h', -6], ['l', -6], ['o', -5.5], ['▁hello', -5], ['hel', -7], ['lo', -6.5],
    ['▁world', -6], ['wor', -8], ['ld', -7], ['r', -6], ['s', -6], ['t', -5], ['n', -5.5], ['i', -5.5], ['1', -7], ['2', -7], ['3', -7], ['.', -4], [',', -4], ['!', -5], ['中', -8], ['▁中', -8.5]];
  fixtures.unigram = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Strip', strip_left: true, strip_right: true }, { type: 'Replace', pattern: { Regex: '\\s{2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'Punctuation', behavior: 'Isolated' },
      { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }] },
    post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
    decoder: { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false }, { type: 'ByteFallback' }, { type: 'Fuse' }] },
    model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['<s>', 0], ['</s>', 0]].concat(bytes, pieces), byte_fallback: true },
  };
}

// 7. Unigram without byte fallback (unknowns fused) and the Metaspace pre-tokenizer of old files (add_prefix_space).
{
  const pieces = [['<unk>', 0], ['▁', -2], ['▁the', -3], ['▁a', -4], ['a', -5], ['b', -5], ['c', -5], ['e', -4.5], ['t', -5], ['h', -5], ['he', -4.8], ['▁hello', -6], ['o', -5], ['l', -5.2], ['d', -5.5], ['r', -5.5], ['w', -6]];
  fixtures.unigram_unk = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>')],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces },
  };
}

// 8. WordLevel: NFKD + Lowercase + StripAccents, a Sequence of splits with each behavior, a template with two special
//    tokens, CTC decoder.
{
  const words = ['<unk>', '<cls>', '<sep>', 'hello', 'world', 'the', 'a', '-', ',', '.', '!', '1', '2', '3', '123', 'cafe', 'naive', '|', 'ab', 'a-b', '-b', 'a-'];
  const vocab = {}; words.forEach((w, i) => { vocab[w] = i; });
  fixtures.wordlevel = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<cls>'), added(2, '<sep>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' },
      { type: 'Split', pattern: { String: ',' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { String: '-' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '\\p{N}+' }, behavior: 'Contiguous', invert: false },
      { type: 'Split', pattern: { Regex: '[.!]' }, behavior: 'Removed', invert: false },
      { type: 'CharDelimiterSplit', delimiter: '|' }] },
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<cls>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<sep>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<cls>': { id: '<cls>', ids: [1], tokens: ['<cls>'] }, '<sep>': { id: '<sep>', ids: [2], tokens: ['<sep>'] } } },
    decoder: { type: 'CTC', pad_token: '<unk>', word_delimiter_token: '|', cleanup: true },
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
}

// 9. NFC/NFKC + Split with invert, Isolated whitespace; WordPiece without normalizer pieces.
{
  const words = ['[UNK]', 'é', 'e', '\u0301', 'ﬁ', 'fi', 'A', 'Å', '각', '가', 'x', '##x', '##e', '##é', 'café', 'caf', '##fi', '1', '2'];
  const vocab = {}; words.forEach((w, i) => { vocab[w] = i; });
  fixtures.nfc_invert = {
    version: '1.0', truncation: null, padding: null, added_tokens: [added(0, '[UNK]')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'NFC' }] },
    pre_tokenizer: { type: 'Split', pattern: { Regex: '\\S+' }, behavior: 'Removed', invert: true },
    post_processor: null, decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

const texts = fs.readFileSync(path.join(DIR, 'texts.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const utf16 = (text) => { const pos = [0]; let u = 0; for (const ch of text) { u += ch.length; pos.push(u); } return pos; };

(async () => {
  const goldens = { reference: `tokenizers ${require('tokenizers/package.json').version} (npm)`, fixtures: {} };
  for (const [name, json] of Object.entries(fixtures)) {
    const file = path.join(DIR, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(json, null, 1) + '\n');
    const tokenizer = Tokenizer.fromFile(file);
    const cases = [];
    for (const text of texts) {
      const pos = utf16(text);
      const entry = { text };
      for (const special of [true, false]) {
        const e = await tokenizer.encode(text, null, { addSpecialTokens: special });
        const ids = e.getIds();
        entry[special ? 'with_special' : 'without_special'] = {
          ids, tokens: e.getTokens(), offsets: e.getOffsets().map(([s, t]) => [pos[s], pos[t]]),
          decoded: await tokenizer.decode(ids, false), decoded_skip: await tokenizer.decode(ids, true),
        };
      }
      cases.push(entry);
    }
    goldens.fixtures[name] = cases;
  }
  fs.writeFileSync(path.join(DIR, 'goldens.json'), JSON.stringify(goldens) + '\n');
  console.log(Object.keys(fixtures).join(' '), texts.length, 'texts');
})().catch((e) => { console.error(e); process.exit(1); });
