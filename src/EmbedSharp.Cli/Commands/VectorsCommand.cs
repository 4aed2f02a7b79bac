using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using EmbedSharp.FastText;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Vectors.Alignment;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.NpyVocab;
using EmbedSharp.Vectors.Formats.SafetensorsVocab;
using EmbedSharp.Vectors.Similarity;
using Spectre.Console;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp vectors …</c>: inspect, convert, query and align pretrained word vectors.</summary>
internal static class VectorsCommand
{
    private static readonly Option<bool> Json = new("--json") { Description = "Machine-readable JSON output." };

    private static readonly Option<FileInfo?> Words = new("--words") { Description = "The word list of an .npy matrix (default: FILE with .words.txt)." };

    private static readonly Option<string?> Utf8 = new("--utf8")
    {
        Description = "Words that are not valid UTF-8: strict (refuse the file, naming the line; the default), replace (decode with U+FFFD) "
            + "or skip (leave the entry out). A fastText .bin defaults to replace: fastText models hold raw bytes.",
    };

    private static readonly Choices<Utf8Policy> Utf8Policies = new(
        ("strict", Utf8Policy.Strict),
        ("replace", Utf8Policy.Replace),
        ("skip", Utf8Policy.Skip));

    /// <summary>Longest word read from standard input (a line without spaces that goes on for ever is refused).</summary>
    internal const int MaxStdinWordChars = 1 << 20;

    public static Command Create()
    {
        var command = new Command("vectors", "Pretrained word vectors: info, convert, lookup, neighbors, analogy, align.");
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Convert());
        command.Subcommands.Add(Lookup());
        command.Subcommands.Add(Neighbors());
        command.Subcommands.Add(Analogy());
        command.Subcommands.Add(Align());
        return command;
    }

    private static Argument<FileInfo> FileArgument() => new("FILE") { Description = "A word-vector file (format detected from its bytes)." };

    private static Command Info()
    {
        var file = FileArgument();
        var c = new Command("info", "Format, word count, dimension and vector norms of a file.") { file, Json, Words, Utf8 };
        c.SetAction(r => CliErrors.Run(() =>
        {
            var path = r.GetValue(file)!.FullName;
            var loaded = VectorFile.Load(path, null, ReadOptions(r, path), r.GetValue(Words)?.FullName);
            var format = loaded.Format;
            using var vectors = loaded.Vectors;
            // Norms of the vectors whose values are all finite (JSON has no infinity or NaN); the others are counted.
            var norms = new List<double>(vectors.Count);
            var nonFinite = 0;
            for (var i = 0; i < vectors.Count; i++)
            {
                var v = vectors.GetVector(i);
                if (!AllFinite(v))
                {
                    nonFinite++;
                    continue;
                }

                var norm = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(v));
                norms.Add(double.IsFinite(norm) ? norm : DoubleNorm(v)); // float sum of squares overflows past |x| ≈ 1.8e19
            }

            var info = new JsonObject
            {
                ["file"] = path,
                ["format"] = Kebab.Of(format),
                ["words"] = vectors.Count,
                ["dimension"] = vectors.Dimension,
                ["norm_min"] = norms.Count == 0 ? 0 : norms.Min(),
                ["norm_mean"] = norms.Count == 0 ? 0 : norms.Average(),
                ["norm_max"] = norms.Count == 0 ? 0 : norms.Max(),
                ["zero_vectors"] = norms.Count(n => n == 0),
                ["non_finite_vectors"] = nonFinite,
                ["duplicates_dropped"] = loaded.Duplicates,
                ["entries_skipped"] = loaded.Skipped,
                ["words_replaced"] = loaded.Replaced,
            };
            if (r.GetValue(Json))
            {
                Console.WriteLine(info.ToJsonString());
                return;
            }

            foreach (var (key, value) in info)
            {
                Console.WriteLine($"{key}\t{value}");
            }
        }));
        return c;
    }

    private static bool AllFinite(ReadOnlySpan<float> v)
    {
        foreach (var x in v)
        {
            if (!float.IsFinite(x))
            {
                return false;
            }
        }

        return true;
    }

    private static double DoubleNorm(ReadOnlySpan<float> v)
    {
        var sum = 0.0;
        foreach (var x in v)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum);
    }

    private static Command Convert()
    {
        var input = new Argument<FileInfo>("IN") { Description = "Input file (any supported format)." };
        var output = new Argument<FileInfo>("OUT") { Description = "Output file." };
        var to = new Option<string?>("--to")
        {
            Description = "word2vec-bin, word2vec-text, glove, npy, safetensors or native (default: from OUT's extension when it names one "
                + "format: .vec, .npy, .safetensors, .esvec; .txt and .bin need --to).",
        };
        var dtype = SharedOptions.DType("How an npy or safetensors matrix is stored: float32 (default), float16, float64, or bfloat16 (safetensors only).");
        var c = new Command("convert", "Convert between word-vector formats (atomic write).") { input, output, to, dtype, Json, Words, Utf8 };
        c.SetAction(r => CliErrors.Run(() =>
        {
            var inPath = r.GetValue(input)!.FullName;
            var outPath = r.GetValue(output)!.FullName;
            var format = r.GetValue(to) is { } named ? WritableFormats.Parse(named, "--to") : FormatOfExtension(outPath);
            var stored = SharedOptions.DTypes.Parse(r.GetValue(dtype)!, "--dtype");
            if (stored != Numerics.Formats.Safetensors.SafetensorsDType.Float32 && format is not (VectorFormat.NpyVocab or VectorFormat.SafetensorsVocab))
            {
                throw new ArgumentException($"--dtype applies to npy and safetensors output; {Kebab.Of(format)} stores float32 text or bytes.");
            }

            var npyType = format == VectorFormat.NpyVocab ? SharedOptions.NpyDTypeOf(stored) : Numerics.Formats.Npy.NpyDType.Float32;
            using var vectors = Load(inPath, r).Vectors;
            if (format == VectorFormat.NpyVocab)
            {
                NpyVocabFile.Write(outPath, VectorFile.DefaultWordList(outPath), vectors, npyType);
            }
            else if (format == VectorFormat.SafetensorsVocab)
            {
                SafetensorsVocabFile.Write(outPath, vectors, new SafetensorsVocabWriteOptions { DType = stored });
            }
            else
            {
                VectorFile.Write(outPath, vectors, format);
            }

            var summary = new JsonObject { ["in"] = inPath, ["out"] = outPath, ["format"] = Kebab.Of(format), ["words"] = vectors.Count, ["dimension"] = vectors.Dimension };
            Console.WriteLine(r.GetValue(Json) ? summary.ToJsonString() : $"{vectors.Count} words × {vectors.Dimension} → {outPath} ({Kebab.Of(format)})");
        }));
        return c;
    }

    /// <summary>The formats <c>convert</c> writes, by their <c>--to</c> names.</summary>
    private static readonly Choices<VectorFormat> WritableFormats = new(
        ("word2vec-bin|word2vec-binary", VectorFormat.Word2VecBinary),
        ("word2vec-text|vec", VectorFormat.Word2VecText),
        ("glove", VectorFormat.Glove),
        ("npy", VectorFormat.NpyVocab),
        ("safetensors", VectorFormat.SafetensorsVocab),
        ("native", VectorFormat.Native));

    /// <summary>The format an output file's extension names on its own: <c>.vec</c> (fastText's word2vec text),
    /// <c>.npy</c>, <c>.safetensors</c>, <c>.esvec</c> (native). <c>.txt</c> is GloVe or word2vec text and <c>.bin</c>
    /// word2vec binary or a fastText model, so they, and any other extension, need <c>--to</c>.</summary>
    /// <exception cref="ArgumentException">The extension does not name exactly one writable format.</exception>
    internal static VectorFormat FormatOfExtension(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".vec" => VectorFormat.Word2VecText,
            ".npy" => VectorFormat.NpyVocab,
            ".safetensors" => VectorFormat.SafetensorsVocab,
            ".esvec" => VectorFormat.Native,
            _ => throw new ArgumentException((extension switch
            {
                ".txt" => $"{Path.GetFileName(path)}: .txt is both GloVe and word2vec text",
                ".bin" => $"{Path.GetFileName(path)}: .bin is both word2vec binary and fastText's model format",
                "" => $"{Path.GetFileName(path)} has no extension to tell the format by",
                _ => $"{Path.GetFileName(path)}: {extension} names no vector format",
            }) + $"; pass --to ({string.Join(", ", WritableFormats.Names)})."),
        };
    }

    private static Command Lookup()
    {
        var file = FileArgument();
        var words = new Argument<string[]>("WORD") { Description = "Words to look up (read from stdin, one per line, when none are given).", Arity = ArgumentArity.ZeroOrMore };
        var c = new Command("lookup", "Print each word and its vector on one line, as `fasttext print-word-vectors` does (unknown words: subword vector from a .bin, else zeros).") { file, words, Json, Words, Utf8 };
        c.SetAction(r => CliErrors.Run(() =>
        {
            var path = r.GetValue(file)!.FullName;
            var loaded = Load(path, r);
            var model = loaded.Model;
            using var vectors = model is null ? loaded.Vectors : null;
            var queries = r.GetValue(words) is { Length: > 0 } given ? given : ReadStdinWords(Console.In);
            var dim = model?.Dimension ?? vectors!.Dimension;
            var buffer = new float[dim];
            var json = new JsonArray();
            foreach (var word in queries)
            {
                Array.Clear(buffer);
                var known = model is not null ? true : vectors!.TryGetVector(word, buffer);
                model?.GetWordVector(word, buffer);
                if (r.GetValue(Json))
                {
                    json.Add(new JsonObject { ["word"] = word, ["known"] = known, ["vector"] = new JsonArray(buffer.Select(v => (JsonNode)v).ToArray()) });
                }
                else
                {
                    Console.WriteLine(word + " " + FastTextPrint.FormatVector(buffer));
                }
            }

            if (r.GetValue(Json))
            {
                Console.WriteLine(json.ToJsonString());
            }
        }));
        return c;
    }

    private static Command Neighbors()
    {
        var file = FileArgument();
        var word = new Argument<string>("WORD") { Description = "The query word." };
        var k = new Option<int>("-k") { Description = "How many neighbours.", DefaultValueFactory = _ => 10 };
        var c = new Command("neighbors", "The nearest words by cosine similarity (gensim's most_similar): word<TAB>score, best first.") { file, word, k, Json, Words, Utf8 };
        c.SetAction(r => CliErrors.Run(() =>
        {
            using var vectors = Load(r.GetValue(file)!.FullName, r).Vectors;
            var index = SimilarityIndex.Build(vectors);
            Print(index.MostSimilar(r.GetValue(word)!, r.GetValue(k)), r.GetValue(Json));
        }));
        return c;
    }

    private static Command Analogy()
    {
        var file = FileArgument();
        var a = new Argument<string>("A");
        var b = new Argument<string>("B");
        var cWord = new Argument<string>("C");
        var k = new Option<int>("-k") { Description = "How many answers.", DefaultValueFactory = _ => 10 };
        var cosMul = new Option<bool>("--cosmul") { Description = "3CosMul (Levy & Goldberg 2014) instead of 3CosAdd." };
        var c = new Command("analogy", "A is to B as C is to ?: the words nearest B − A + C (gensim's most_similar(positive=[B, C], negative=[A])).") { file, a, b, cWord, k, cosMul, Json, Words, Utf8 };
        c.SetAction(r => CliErrors.Run(() =>
        {
            using var vectors = Load(r.GetValue(file)!.FullName, r).Vectors;
            var index = SimilarityIndex.Build(vectors);
            var objective = r.GetValue(cosMul) ? AnalogyObjective.CosMul : AnalogyObjective.CosAdd;
            Print(index.Analogy(r.GetValue(a)!, r.GetValue(b)!, r.GetValue(cWord)!, objective, r.GetValue(k)), r.GetValue(Json));
        }));
        return c;
    }

    /// <summary>The vocabulary to align: a tokenizer's (in id order) when <paramref name="type"/> is given or the path is a
    /// .model file, a directory or a .json; else one token per line.</summary>
    private static Vocabulary LoadAlignVocabulary(string path, string? type)
    {
        if (type is null && TokenizerFiles.InferType(path) == TokenizerType.WordPiece)
        {
            return Vocabulary.Load(path);
        }

        var kind = type is null ? TokenizerFiles.InferType(path) : SharedOptions.TokenizerTypes.Parse(type, "--vocab-type");
        return TokenizerFiles.Load(path, kind).ToVocabulary();
    }

    private static Command Align()
    {
        var file = FileArgument();
        var vocab = new Argument<FileInfo>("VOCAB") { Description = "Vocabulary: one token per line (ids in line order; a BERT vocab.txt too), or a tokenizer's files: a SentencePiece .model, a GPT-2 BPE directory or encoder.json." };
        var vocabType = new Option<string?>("--vocab-type") { Description = "Read VOCAB as this tokenizer's files: wordpiece, bpe, sentencepiece, word or char (default: sentencepiece for .model, bpe for a directory or .json, else one token per line)." };
        var output = SharedOptions.OutFile("Where to write the (|vocab|, D) table as .npy.");
        var oovInit = new Option<string>("--oov-init")
        {
            Description = "pretrained-normal (N(mean, std) of the pretrained matrix; default), normal (N(0, 1)), uniform (U(−0.1, 0.1)), trunc-normal (std 0.02, ±2σ) or zeros; "
                + "or any other initialisation spec, e.g. xavier-uniform or 'normal(std=0.1)'.",
            DefaultValueFactory = _ => "pretrained-normal",
        };
        var seed = SharedOptions.Seed("Seed for the unknown-token rows (as torch.manual_seed).");
        var noLower = new Option<bool>("--no-lowercase-fallback") { Description = "Only exact matches (no case fallback)." };
        var dtype = SharedOptions.DType("How the .npy table is stored: float32 (default), float16 (rounded as numpy's astype(np.float16)) or float64.");
        var c = new Command("align", "Build the embedding table for a vocabulary from pretrained vectors and print the coverage report.") { file, vocab, vocabType, output, oovInit, seed, noLower, dtype, Json, Words, Utf8 };
        c.SetAction(r => CliErrors.Run(() =>
        {
            var path = r.GetValue(file)!.FullName;
            var npyType = SharedOptions.NpyDTypeOf(SharedOptions.DTypes.Parse(r.GetValue(dtype)!, "--dtype"));
            var loaded = Load(path, r);
            var model = loaded.Model;
            using var vectors = loaded.Vectors;
            vectors.EnsureFinite(path, "building an embedding table (vectors align)");
            var vocabulary = LoadAlignVocabulary(r.GetValue(vocab)!.FullName, r.GetValue(vocabType));
            var options = new AlignmentOptions
            {
                Subwords = model,
                OovInit = ParseOovInit(r.GetValue(oovInit)!),
                CaseFallback = r.GetValue(noLower) ? CaseFallback.None : CaseFallback.Lowercase,
            };
            var result = VocabularyAligner.Align(vocabulary, vectors, new Generator(r.GetSeed(seed)), options);
            var outPath = r.GetValue(output)!.FullName;
            NpyFile.Write(outPath, result.Weights, npyType);
            if (r.GetValue(Json))
            {
                var rep = result.Report;
                Console.WriteLine(new JsonObject
                {
                    ["out"] = outPath,
                    ["vocabulary"] = rep.VocabularySize,
                    ["exact"] = rep.Exact,
                    ["case_fallback"] = rep.CaseFallback,
                    ["subword"] = rep.Subword,
                    ["initialised"] = rep.Initialised,
                    ["padding"] = rep.Padding,
                    ["initialised_tokens"] = new JsonArray(rep.InitialisedTokens.Take(100).Select(t => (JsonNode)t!).ToArray()),
                }.ToJsonString());
            }
            else
            {
                Console.WriteLine(result.Report.Format());
                Console.WriteLine($"table {Numerics.FloatTensor.FormatShape(result.Weights.Shape)} → {outPath}");
            }
        }));
        return c;
    }

    /// <summary>The named policies of <c>--oov-init</c>; any other text is an <see cref="InitSpec"/>.</summary>
    private static readonly Choices<OovInit> OovInits = new(
        ("pretrained-normal", OovInit.PretrainedNormal),
        ("normal", OovInit.Normal()),
        ("uniform", OovInit.Uniform(-0.1, 0.1)),
        ("trunc-normal", OovInit.TruncNormal(0, 0.02, -0.04, 0.04)),
        ("zeros", OovInit.Zeros));

    /// <summary>A named policy, else an initialisation spec (<c>xavier-uniform</c>, <c>normal(std=0.1)</c>).</summary>
    internal static OovInit ParseOovInit(string text)
    {
        if (OovInits.TryParse(text, out var named))
        {
            return named;
        }

        return InitSpec.TryParseScheme(text.Split('(', 2)[0], out _)
            ? OovInit.From(InitSpec.Parse(text)) // the spec's own message for a bad parameter
            : throw new ArgumentException($"Unknown --oov-init '{text.Trim()}'; expected {OovInits.Listed}, or an initialisation spec such as xavier-uniform or normal(std=0.1).");
    }

    /// <summary>The read options of a vectors command: its <c>--utf8</c> policy, by default strict, or replace for a
    /// fastText model (fastText reads words as raw bytes; what was replaced is reported).</summary>
    private static VectorReadOptions ReadOptions(ParseResult r, string path)
    {
        if (r.GetValue(Utf8) is { } given)
        {
            return new() { Utf8 = Utf8Policies.Parse(given, "--utf8") };
        }

        // Only a regular, non-empty file is probed here: a pipe would lose its first bytes (and a fastText model
        // cannot be read from a pipe anyway).
        // A link is followed first: bash's <(…) is /dev/fd/N, a link to "pipe:[…]", which is no file (FileInfo alone
        // reports the link's own length and would let the probe eat the pipe's data).
        var info = new FileInfo(path);
        var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        var model = target is { Exists: true, Length: > 0 } && VectorFile.Detect(path) == VectorFormat.FastTextBin;
        return new() { Utf8 = model ? Utf8Policy.Replace : Utf8Policy.Strict };
    }

    /// <summary>Reads any format, opening the file once (a pipe works for the text formats and word2vec binary); on a
    /// terminal, files over 64 MB show a progress bar (bytes, rate, ETA) on stderr. Words repaired or skipped under
    /// <c>--utf8</c> are reported in one warning line on stderr.</summary>
    private static LoadedVectors Load(string path, ParseResult r)
    {
        var options = ReadOptions(r, path);
        var wordsPath = r.GetValue(Words)?.FullName;
        var size = File.Exists(path) ? new FileInfo(path).Length : 0;
        LoadedVectors? result = null;
        if (Console.IsErrorRedirected || size < (64 << 20))
        {
            result = VectorFile.Load(path, null, options, wordsPath);
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(Path.GetFileName(path), maxValue: size);
                    var progress = new Progress<long>(bytes => task.Value = Math.Min(bytes, size));
                    result = VectorFile.Load(path, null, options with { Progress = progress }, wordsPath);
                    task.Value = size;
                });
        }

        if (Utf8Warning(path, result!) is { } warning)
        {
            Console.Error.WriteLine(warning);
        }

        return result!;
    }

    /// <summary>The one warning line when words were not valid UTF-8 and were repaired or skipped, else null.</summary>
    internal static string? Utf8Warning(string path, LoadedVectors loaded) => (loaded.Replaced, loaded.Skipped) switch
    {
        (0, 0) => null,
        (var n, 0) => $"embedsharp: warning: '{path}': {n} word(s) were not valid UTF-8 and were read with U+FFFD (--utf8 replace).",
        (0, var n) => $"embedsharp: warning: '{path}': {n} entr(y/ies) left out because the word was not valid UTF-8 (--utf8 skip).",
        var (n, m) => $"embedsharp: warning: '{path}': {n} word(s) read with U+FFFD and {m} entr(y/ies) left out for invalid UTF-8.",
    };

    private static void Print(IReadOnlyList<Neighbor> neighbors, bool json)
    {
        if (json)
        {
            Console.WriteLine(new JsonArray(neighbors.Select(n => (JsonNode)new JsonObject { ["word"] = n.Word, ["score"] = n.Score }).ToArray()).ToJsonString());
            return;
        }

        foreach (var n in neighbors)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n.Word}\t{n.Score:0.######}"));
        }
    }

    /// <summary>The words of standard input, split on spaces, tabs and line ends; a word longer than
    /// <see cref="MaxStdinWordChars"/> (an endless line) is refused naming the line.</summary>
    internal static string[] ReadStdinWords(TextReader reader)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var buffer = new char[1 << 14];
        long line = 1;
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            foreach (var ch in buffer.AsSpan(0, n))
            {
                if (ch is ' ' or '\t' or '\n' or '\r')
                {
                    if (word.Length > 0)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                    }

                    line += ch == '\n' ? 1 : 0;
                    continue;
                }

                if (word.Length == MaxStdinWordChars)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"standard input, line {line}: a word goes on past {MaxStdinWordChars:N0} characters; give one word per line or several separated by spaces."));
                }

                word.Append(ch);
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }
}
