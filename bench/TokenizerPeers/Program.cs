using System.Diagnostics;
using System.Globalization;
using System.Text;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.HuggingFace;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.Tiktoken;
using EmbedSharp.Tokenization.WordPiece;
using Ml = Microsoft.ML.Tokenizers;

// The .NET side of bench/peers/tokenize_vs_peers.py. One process holds one tokenizer:
//   TokenizerPeers embedsharp wordpiece VOCAB_TXT   | ml bert VOCAB_TXT
//   TokenizerPeers embedsharp gpt2 DIR              | ml codegen DIR          (DIR: GPT-2's encoder.json + vocab.bpe)
//   TokenizerPeers embedsharp spm MODEL             | ml spm MODEL
//   TokenizerPeers embedsharp tiktoken FILE NAME    | ml tiktoken NAME        (NAME: cl100k_base, o200k_base)
//   TokenizerPeers embedsharp hf TOKENIZER_JSON                               (EmbedSharp's tokenizer.json reader)
// followed by CORPUS (UTF-8, one text per line) and IDS_OUT. It loads the tokenizer (timed), reads the corpus, encodes
// every line once and writes the ids (one line per text, ids separated by spaces) to IDS_OUT, encodes the corpus
// WarmUpPasses more times (the JIT's tiering: with one pass, the first timed rounds of every .NET side, EmbedSharp's
// and ML.Tokenizers' alike, ran up to 1.5x slower than the later ones), prints
// {"load_s", "lines", "tokens", "threads"}, then serves commands on stdin, one JSON line each:
//   single: encode every line to ids on this thread (ids only, no special tokens), print the seconds;
//   batch:  the same over all cores (Parallel.For over lines; EmbedSharp only), print the seconds.
// After each timed pass (outside the timer) the ids are compared with the warm-up's ("same": true/false).
var invariant = CultureInfo.InvariantCulture;
var side = args[0];
var kind = args[1];
var extra = kind == "tiktoken" && side == "embedsharp" ? 1 : 0;
var path = args[2];
var corpus = args[3 + extra];
var idsOut = args[4 + extra];

var watch = Stopwatch.StartNew();
Action<string, List<int>> encode = Create(side, kind, path, extra == 1 ? args[3] : null);
var loadSeconds = watch.Elapsed.TotalSeconds;
var lines = File.ReadAllLines(corpus, Encoding.UTF8);

var reference = new int[lines.Length][];
var scratch = new List<int>[lines.Length];
for (var i = 0; i < lines.Length; i++)
{
    scratch[i] = new List<int>(lines[i].Length / 3 + 16);
    encode(lines[i], scratch[i]);
    reference[i] = [.. scratch[i]];
}

const int WarmUpPasses = 2;
for (var pass = 0; pass < WarmUpPasses; pass++)
{
    for (var i = 0; i < lines.Length; i++)
    {
        scratch[i].Clear();
        encode(lines[i], scratch[i]);
    }
}

using (var writer = new StreamWriter(idsOut, false, new UTF8Encoding(false)))
{
    foreach (var ids in reference)
    {
        writer.Write(string.Join(' ', ids));
        writer.Write('\n');
    }
}

Console.WriteLine(string.Create(invariant,
    $"{{\"load_s\": {loadSeconds:R}, \"lines\": {lines.Length}, \"tokens\": {reference.Sum(r => (long)r.Length)}, \"threads\": {Environment.ProcessorCount}}}"));
string? command;
while ((command = Console.ReadLine()) is not null)
{
    command = command.Trim();
    if (command == "quit")
    {
        break;
    }

    foreach (var list in scratch)
    {
        list.Clear();
    }

    watch.Restart();
    if (command == "single")
    {
        for (var i = 0; i < lines.Length; i++)
        {
            encode(lines[i], scratch[i]);
        }
    }
    else if (command == "batch")
    {
        Parallel.For(0, lines.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => encode(lines[i], scratch[i]));
    }
    else
    {
        Console.WriteLine("{\"error\": \"unknown command\"}");
        continue;
    }

    var seconds = watch.Elapsed.TotalSeconds;
    var same = true;
    for (var i = 0; i < lines.Length && same; i++)
    {
        same = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch[i]).SequenceEqual(reference[i]);
    }

    Console.WriteLine(string.Create(invariant, $"{{\"seconds\": {seconds:R}, \"same\": {(same ? "true" : "false")}}}"));
}

static Action<string, List<int>> Create(string side, string kind, string path, string? encodingName)
{
    switch (side, kind)
    {
        case ("embedsharp", "wordpiece"):
            {
                ITokenizer t = WordPieceTokenizer.Load(path);
                return t.EncodeIds;
            }

        case ("embedsharp", "gpt2"):
            {
                ITokenizer t = ByteLevelBpeTokenizer.Load(path);
                return t.EncodeIds;
            }

        case ("embedsharp", "spm"):
            {
                ITokenizer t = SentencePieceTokenizer.Load(path);
                return t.EncodeIds;
            }

        case ("embedsharp", "hf"):
            {
                var t = HuggingFaceTokenizer.Load(path).WithoutSpecialTokens();
                return t.EncodeIds;
            }

        case ("embedsharp", "tiktoken"):
            {
                var t = TiktokenTokenizer.Load(path, TiktokenEncoding.FromName(encodingName!), SpecialTokenPolicy.All);
                ITokenizer i = t;
                return i.EncodeIds;
            }

        case ("ml", "bert"):
            {
                var t = Ml.BertTokenizer.Create(path);
                return (text, ids) => ids.AddRange(t.EncodeToIds(text, addSpecialTokens: false));
            }

        case ("ml", "codegen"):
            {
                using var vocab = File.OpenRead(Path.Combine(path, "encoder.json"));
                using var merges = File.OpenRead(Path.Combine(path, "vocab.bpe"));
                var t = Ml.CodeGenTokenizer.Create(vocab, merges, addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false);
                return (text, ids) => ids.AddRange(t.EncodeToIds(text));
            }

        case ("ml", "spm"):
            {
                using var model = File.OpenRead(path);
                var t = Ml.SentencePieceTokenizer.Create(model, addBeginningOfSentence: false, addEndOfSentence: false);
                return (text, ids) => ids.AddRange(t.EncodeToIds(text));
            }

        case ("ml", "tiktoken"):
            {
                var t = Ml.TiktokenTokenizer.CreateForEncoding(path);
                return (text, ids) => ids.AddRange(t.EncodeToIds(text));
            }

        default:
            throw new ArgumentException($"unknown side/kind {side} {kind}");
    }
}
