using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.FastText;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.WordPiece;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Native;
using EmbedSharp.Vectors.Formats.NpyVocab;
using EmbedSharp.Vectors.Formats.SafetensorsVocab;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;

namespace EmbedSharp.Tests.Fuzz;

/// <summary>
/// Every reader of the library as a <see cref="FuzzTarget"/>: its public entry point, its seeds (small valid files
/// made by the library's own writers plus the third-party fixtures in tests/data) and the check of an accepted result.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Sample text every loaded tokenizer must encode and decode without throwing.</summary>
    private const string SampleText = "Hello world, the résumé of 日本 costs 3.50$ — naïve café!\t\u00A0x\u200Dy 😀 ##ing [UNK] </s>";

    private static readonly VectorReadOptions Sequential = new() { MaxDegreeOfParallelism = 1 };

    public static readonly FuzzTarget[] All =
    [
        new("word2vec-text", () => VectorSeeds(VectorFormat.Word2VecText, "w2v.txt", "gensim_300x20.txt", "notations.txt", "crlf.txt", "trailing_space.txt"),
            p => Word2VecTextFile.Read(p[0], Sequential).Vectors, CheckVectors) { LineBased = true },
        new("fasttext-vec", () => Fixtures(("fasttext", "cbow.vec"), ("fasttext", "supervised.vec"), ("textvec", "fasttext_skipgram.vec")),
            p => VectorFile.Read(p[0], VectorFormat.Word2VecText, new VectorReadOptions { Utf8 = Utf8Policy.Replace }), CheckVectors) { LineBased = true },
        new("glove", () => VectorSeeds(VectorFormat.Glove, "glove.txt", "gensim_300x20_glove.txt", "glove_spaces.txt"),
            p => GloveFile.Read(p[0], Sequential).Vectors, CheckVectors) { LineBased = true },
        new("word2vec-binary", () => VectorSeeds(VectorFormat.Word2VecBinary, "w2v.bin", "gensim_300x20.bin"),
            p => Word2VecBinaryFile.Read(p[0], Sequential).Vectors, CheckVectors),
        new("word2vec-text-gz", () => GzipSeeds(VectorSeeds(VectorFormat.Word2VecText, "w2v.txt"), "gensim_300x20.txt.gz"),
            p => Word2VecTextFile.Read(p[0]).Vectors, CheckVectors) { Gzip = true, LineBased = true },
        new("glove-gz", () => GzipSeeds(VectorSeeds(VectorFormat.Glove, "glove.txt", "gensim_300x20_glove.txt")),
            p => GloveFile.Read(p[0]).Vectors, CheckVectors) { Gzip = true, LineBased = true },
        new("word2vec-binary-gz", () => GzipSeeds(VectorSeeds(VectorFormat.Word2VecBinary, "w2v.bin", "gensim_300x20.bin")),
            p => Word2VecBinaryFile.Read(p[0]).Vectors, CheckVectors) { Gzip = true },
        new("native-esvec", () => [.. VectorSeeds(VectorFormat.Native, "v.esvec"), .. Fixtures(("native", "small.esvec"))],
            p => NativeVectorsFile.Open(p[0]), CheckFiniteVectors),
        new("npy-words", NpyVocabSeeds, p => NpyVocabFile.Read(p[0], p[1]), CheckFiniteVectors),
        new("npy-words-mapped", () => [.. NpyVocabSeeds().Where(s => !s.Name.Contains("f8", StringComparison.Ordinal))], p => NpyVocabFile.Read(p[0], p[1], new NpyVocabReadOptions { MemoryMap = true }), CheckFiniteVectors),
        new("safetensors-words", () => [.. VectorSeeds(VectorFormat.SafetensorsVocab, "v.safetensors"), .. Fixtures(("native", "small.safetensors"))],
            p => SafetensorsVocabFile.Read(p[0]), CheckFiniteVectors),
        new("vectors-detect", DetectSeeds, p => VectorFile.Read(p[0]), CheckVectors),
        new("fasttext-bin", () => Fixtures(("fasttext", "scratch.bin"), ("fasttext", "supervised.bin"), ("fasttext", "cbow.bin")),
            p => FastTextModel.Load(p[0]), CheckFastText),
        new("fasttext-bin-gz", () => GzipSeeds(Fixtures(("fasttext", "scratch.bin"), ("fasttext", "supervised.bin"))),
            p => FastTextModel.Load(p[0]), CheckFastText) { Gzip = true },
        new("npy", NpySeeds, p => NpyFile.Read(p[0]), CheckNpy),
        new("safetensors", SafetensorsSeeds, p => SafetensorsFile.Read(p[0]), CheckSafetensors),
        new("npy-pipe", NpySeeds, p => ReadPiped(p[0], NpyFile.Read), CheckNpy) { UnnamedInput = true },
        new("safetensors-pipe", SafetensorsSeeds, p => ReadPiped(p[0], SafetensorsFile.Read), CheckSafetensors) { UnnamedInput = true },
        new("sentencepiece", () => Fixtures(("sentencepiece", "bpe_suffix.model"), ("sentencepiece", "unigram_identity.model"),
            ("sentencepiece", "unigram.model"), ("sentencepiece", "bpe.model"), ("sentencepiece", "unigram_bytes.model")),
            p => SentencePieceTokenizer.Load(p[0]), CheckTokenizer),
        new("wordpiece", WordPieceSeeds, p => WordPieceTokenizer.Load(p[0]), CheckTokenizer) { LineBased = true },
        new("gpt2-bpe", BpeSeeds, p => ByteLevelBpeTokenizer.Load(p[0]), CheckTokenizer) { LineBased = true, EndlessFile = 1 },
        new("checkpoint", CheckpointSeeds, p => TrainingCheckpoint.Load(p[0]), CheckCheckpoint),
        new("classifier", ClassifierSeeds, p => TextClassifier.FromFile(p[0]), CheckClassifier),
    ];

    public static FuzzTarget Get(string name) => All.Single(t => t.Name == name);

    /// <summary>Reads through the Stream overload as from a pipe: forward only, no length.</summary>
    private static T ReadPiped<T>(string path, Func<Stream, T> read)
    {
        using var file = File.OpenRead(path);
        using var pipe = new ForwardOnly(file);
        return read(pipe);
    }

    private static string DataPath(string folder, string name) => Path.Combine(AppContext.BaseDirectory, "data", folder, name);

    private static FuzzSeed[] Fixtures(params (string Folder, string Name)[] files) =>
        [.. files.Select(f => new FuzzSeed(f.Folder + "/" + f.Name, [new FuzzFile(f.Name, File.ReadAllBytes(DataPath(f.Folder, f.Name)))]))];

    /// <summary>Files written by the library's own writers into a temporary directory, read back, the directory deleted.</summary>
    private static FuzzFile[] Written(Action<string> write, params string[] names)
    {
        var dir = Directory.CreateTempSubdirectory("embedsharp-fuzz-seed-").FullName;
        try
        {
            write(dir);
            return [.. names.Select(n => new FuzzFile(n, File.ReadAllBytes(Path.Combine(dir, n))))];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A small table with words in several scripts and values of many magnitudes.</summary>
    private static WordVectors SmallVectors()
    {
        string[] words = ["the", "of", "résumé", "日本", "a_b", "x", "ÅÄÖ", "😀", "</s>"];
        const int dim = 5;
        var t = new FloatTensor(words.Length, dim);
        for (var i = 0; i < words.Length * dim; i++)
        {
            t[i] = (i % 7) switch
            {
                0 => 0.125f * i,
                1 => -2.5e-3f * i,
                2 => 123.456f,
                3 => 1e-8f,
                4 => -0f,
                5 => 3.4e38f,
                _ => -i / 3f,
            };
        }

        return new WordVectors(words, t);
    }

    /// <summary>The small table written in <paramref name="format"/> as <paramref name="ownName"/>, plus the
    /// tests/data/textvec fixtures named.</summary>
    private static FuzzSeed[] VectorSeeds(VectorFormat format, string ownName, params string[] textvecFixtures)
    {
        using var vectors = SmallVectors();
        var own = new FuzzSeed("written/" + ownName, Written(dir => VectorFile.Write(Path.Combine(dir, ownName), vectors, format), ownName));
        return [own, .. Fixtures([.. textvecFixtures.Select(f => ("textvec", f))])];
    }

    private static FuzzSeed[] GzipSeeds(FuzzSeed[] plain, params string[] textvecGzFixtures) =>
    [
        .. plain.Where(s => !s.Files[0].Name.EndsWith(".gz", StringComparison.Ordinal))
            .Select(s => new FuzzSeed(s.Name + ".gz", [new FuzzFile(s.Files[0].Name + ".gz", FuzzRunner.Gzip(s.Files[0].Bytes))])),
        .. Fixtures([.. textvecGzFixtures.Select(f => ("textvec", f))]),
    ];

    private static FuzzSeed[] NpyVocabSeeds()
    {
        using var vectors = SmallVectors();
        return
        [
            new FuzzSeed("written/v.npy+words", Written(dir => VectorFile.Write(Path.Combine(dir, "v.npy"), vectors, VectorFormat.NpyVocab), "v.npy", "v.words.txt")),
            new FuzzSeed("native/small.npy+words", [new("small.npy", File.ReadAllBytes(DataPath("native", "small.npy"))), new("small.words.txt", File.ReadAllBytes(DataPath("native", "small.words.txt")))]),
            new FuzzSeed("native/small_f8.npy+crlf words", [new("small_f8.npy", File.ReadAllBytes(DataPath("native", "small_f8.npy"))), new("small_f8.words.txt", File.ReadAllBytes(DataPath("native", "small_crlf.words.txt")))]),
        ];
    }

    private static FuzzSeed[] DetectSeeds()
    {
        var seeds = new List<FuzzSeed>();
        foreach (var (format, name) in new[]
        {
            (VectorFormat.Word2VecText, "a.txt"), (VectorFormat.Glove, "b.txt"), (VectorFormat.Word2VecBinary, "c.bin"),
            (VectorFormat.Native, "d.esvec"), (VectorFormat.SafetensorsVocab, "e.safetensors"),
        })
        {
            seeds.Add(VectorSeeds(format, name)[0]);
        }

        seeds.Add(NpyVocabSeeds()[0]);
        seeds.AddRange(Fixtures(("fasttext", "scratch.bin"), ("textvec", "gensim_300x20.txt.gz")));
        return [.. seeds];
    }

    private static FuzzSeed[] NpySeeds()
    {
        var own = Written(dir =>
        {
            NpyFile.Write(Path.Combine(dir, "own_f4.npy"), SmallVectors().Vectors);
            NpyFile.Write(Path.Combine(dir, "own_i8.npy"), new IndexTensor([0, -1, long.MaxValue, 7, 8, 9], [2, 3]));
        }, "own_f4.npy", "own_i8.npy");
        return
        [
            .. own.Select(f => new FuzzSeed("written/" + f.Name, [f])),
            .. Fixtures([.. new[]
            {
                "f4_2x3.npy", "f4_2x3_v2.npy", "f4_2x3_v3.npy", "f4_2x3x4.npy", "f4_7.npy", "f4_empty_0x3.npy", "f4_scalar.npy",
                "f8_3x2.npy", "i4_5.npy", "i8_2x2x2.npy", "torch_randn_4x5.npy", "torch_long_2x3.npy", "mixed_brain_f32.npy",
            }.Select(n => ("formats", n))]),
        ];
    }

    private static FuzzSeed[] SafetensorsSeeds()
    {
        var own = Written(dir => SafetensorsFile.Write(Path.Combine(dir, "own.safetensors"),
            new Dictionary<string, FloatTensor> { ["weight"] = SmallVectors().Vectors, ["bias"] = new FloatTensor(5), ["scalar"] = new FloatTensor() },
            new Dictionary<string, string> { ["framework"] = "pt", ["note"] = "résumé" }), "own.safetensors");
        return
        [
            new FuzzSeed("written/own.safetensors", own),
            .. Fixtures(("formats", "f32_pair.safetensors"), ("formats", "mixed.safetensors"), ("training", "classifier_sgd_seed0.safetensors")),
        ];
    }

    private static FuzzSeed[] WordPieceSeeds() =>
    [
        new FuzzSeed("hand-made vocab.txt", [new FuzzFile("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nhello\nworld\nwor\n##ld\n##s\n##ing\né\n日\n本\n,\n.\n"u8.ToArray())]),
        new FuzzSeed("wordpiece_bpe/wordpiece/vocab.txt", [new FuzzFile("vocab.txt", File.ReadAllBytes(DataPath("wordpiece_bpe/wordpiece", "vocab.txt")))]),
    ];

    private static FuzzSeed[] BpeSeeds()
    {
        var encoder = File.ReadAllBytes(DataPath("wordpiece_bpe/bpe", "encoder.json"));
        var merges = File.ReadAllBytes(DataPath("wordpiece_bpe/bpe", "vocab.bpe"));

        // A smaller pair: the first 300 merges of the real file, same encoder (merges may use fewer tokens).
        var lines = Encoding.UTF8.GetString(merges).Split('\n');
        var fewer = Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(301)) + "\n");
        return
        [
            new FuzzSeed("wordpiece_bpe/bpe (300 merges)", [new FuzzFile("encoder.json", encoder), new FuzzFile("vocab.bpe", fewer)]),
            new FuzzSeed("wordpiece_bpe/bpe", [new FuzzFile("encoder.json", encoder), new FuzzFile("vocab.bpe", merges)]),
        ];
    }

    private static FuzzSeed[] CheckpointSeeds()
    {
        var files = Written(dir =>
        {
            var corpus = Path.Combine(dir, "corpus.txt");
            var text = new StringBuilder();
            for (var s = 0; s < 30; s++)
            {
                text.Append(CultureInfo.InvariantCulture, $"w{s % 7} résumé w{(s * 3) % 5} the of w{s % 4}\n");
            }

            File.WriteAllText(corpus, text.ToString());
            foreach (var (name, model, loss) in new[]
            {
                ("sg.ckpt", FastTextModelKind.SkipGram, FastTextLoss.NegativeSampling),
                ("cbow-hs.ckpt", FastTextModelKind.Cbow, FastTextLoss.HierarchicalSoftmax),
            })
            {
                var options = new FastTextOptions
                {
                    Model = model,
                    Loss = loss,
                    Dim = 4,
                    Epoch = 2,
                    Bucket = 16,
                    Thread = 1,
                    Seed = 3,
                    MinCount = 1,
                    Minn = 2,
                    Maxn = 3,
                };
                new WordVectorTrainer(options) { CheckpointPath = Path.Combine(dir, name) }.Train(corpus);
            }

            File.Delete(corpus);
        }, "sg.ckpt", "cbow-hs.ckpt");
        return [.. files.Select(f => new FuzzSeed("written/" + f.Name, [f]))];
    }

    private static FuzzSeed[] ClassifierSeeds()
    {
        var files = Written(dir =>
        {
            var options = FastTextOptions.Supervised() with { Dim = 4, Epoch = 1, WordNgrams = 2, Bucket = 20 };
            var train = ClassificationDataset.Build(ClassifierTestData.Make(30, 1), ClassifierTestData.LabelNames, options);
            new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, new Generator(0)).Save(Path.Combine(dir, "cls.safetensors"));
        }, "cls.safetensors");
        return [new FuzzSeed("written/cls.safetensors", files)];
    }

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FuzzCheckException(problem);
        }
    }

    /// <summary>Bytes of content the input can stand for: its size, or up to 1,032 times that for gzip (deflate's
    /// largest ratio).</summary>
    private static long ContentBytes(FuzzSeed input) => input.Files.Sum(f =>
        f.Bytes.Length >= 2 && f.Bytes[0] == 0x1F && f.Bytes[1] == 0x8B ? 1032L * f.Bytes.Length : f.Bytes.Length);

    /// <summary>Readers with <see cref="VectorReadOptions.AllowNaN"/> false refuse NaN; infinity is a value they keep.</summary>
    private static void CheckVectors(object result, FuzzSeed input) => CheckVectors((WordVectors)result, input, finite: false);

    /// <summary>Readers with AllowNonFinite false refuse NaN and infinity.</summary>
    private static void CheckFiniteVectors(object result, FuzzSeed input) => CheckVectors((WordVectors)result, input, finite: true);

    private static void CheckVectors(WordVectors v, FuzzSeed input, bool finite)
    {
        Expect(v.Vectors.Rank == 2, $"the table has rank {v.Vectors.Rank}");
        Expect(v.Vectors.Shape[0] == v.Count && v.Words.Count == v.Count, $"{v.Count} words but {v.Vectors.Shape[0]} rows and {v.Words.Count} names");
        Expect((long)v.Count * Math.Max(1, v.Dimension) <= ContentBytes(input),
            $"{v.Count} × {v.Dimension} values from {ContentBytes(input)} bytes: rows or columns that are not in the file");
        for (var i = 0; i < v.Count; i++)
        {
            Expect(v.IndexOf(v.Words[i]) == i, $"word {i} '{v.Words[i]}' is not found at its own index (duplicate kept?)");
            foreach (var x in v.GetVector(i))
            {
                Expect(finite ? float.IsFinite(x) : !float.IsNaN(x), $"row {i} holds {x} although {(finite ? "non-finite values were" : "NaN was")} not allowed");
            }
        }
    }

    private static void CheckFastText(object result, FuzzSeed input)
    {
        var m = (FastTextModel)result;
        Expect(m.Dimension >= 0 && (long)m.WordCount * Math.Max(1, m.Dimension) <= ContentBytes(input),
            $"{m.WordCount} words × {m.Dimension} from {ContentBytes(input)} bytes");
        var buffer = new float[m.Dimension];
        foreach (var word in new[] { "the", "résumé", "zzzunknownzzz", string.Empty })
        {
            m.GetWordVector(word, buffer);
        }

        using var table = m.ToWordVectors(50);
        CheckVectors(table, input, finite: true);
    }

    private static void CheckNpy(object result, FuzzSeed input)
    {
        var a = (NpyArray)result;
        long product = 1;
        foreach (var d in a.Shape)
        {
            Expect(d >= 0, $"negative dimension {d}");
            product *= d;
        }

        Expect(product * 4 <= ContentBytes(input), $"shape of {product} elements from {ContentBytes(input)} bytes");
        if (a.IsInteger)
        {
            Expect(a.ToIndexTensor().Length == product, "the index tensor's length is not the shape's product");
        }
        else
        {
            Expect(a.ToTensor().Length == product, "the tensor's length is not the shape's product");
        }
    }

    private static void CheckSafetensors(object result, FuzzSeed input)
    {
        var c = (SafetensorsContent)result;
        long total = 0;
        foreach (var name in c.Names)
        {
            var info = c.GetInfo(name);
            total += info.End - info.Begin;
            long product = 1;
            foreach (var d in info.Shape)
            {
                product *= d;
            }

            try
            {
                var t = c.GetTensor(name);
                Expect(t.Length == product, $"tensor '{name}' has {t.Length} elements, its shape {product}");
            }
            catch (EmbedSharp.Numerics.Formats.TensorFormatException)
            {
                // a dtype the library lists but does not convert: documented
            }
        }

        Expect(total <= ContentBytes(input), $"tensors of {total} bytes from {ContentBytes(input)} bytes");
    }

    private static void CheckTokenizer(object result, FuzzSeed input)
    {
        var t = (ITokenizer)result;
        Expect(t.VocabSize >= 1 && t.VocabSize <= ContentBytes(input), $"vocabulary of {t.VocabSize} from {ContentBytes(input)} bytes");
        var encoding = t.Encode(SampleText);
        foreach (var id in encoding.Ids)
        {
            Expect(id >= 0 && id < t.VocabSize, $"encoding gave id {id} outside [0, {t.VocabSize})");
        }

        _ = t.Decode(encoding.Ids);
        for (var id = 0; id < Math.Min(t.VocabSize, 64); id++)
        {
            _ = t.TokenToId(t.IdToToken(id));
        }
    }

    private static void CheckCheckpoint(object result, FuzzSeed input)
    {
        var c = (TrainingCheckpoint)result;
        Expect(c.Input.Dim == c.Options.Dim && c.Output.Dim == c.Options.Dim, $"matrices of width {c.Input.Dim}/{c.Output.Dim} for dim {c.Options.Dim}");
        Expect(c.Input.Rows == (long)c.Dictionary.WordCount + c.Options.Bucket, $"{c.Input.Rows} input rows for {c.Dictionary.WordCount} words + {c.Options.Bucket} buckets");
        Expect((c.Input.Rows + c.Output.Rows) * c.Options.Dim * 4 <= ContentBytes(input), "matrices larger than the file");
        Expect(c.Workers.Length == c.Options.Thread, $"{c.Workers.Length} workers for {c.Options.Thread} threads");
    }

    private static void CheckClassifier(object result, FuzzSeed input)
    {
        var c = (TextClassifier)result;
        var predictions = c.Predict(["the", "a", "résumé", "zzz"], 3);
        Expect(predictions.Length <= c.LabelNames.Count, $"{predictions.Length} predictions for {c.LabelNames.Count} labels");
        foreach (var p in predictions)
        {
            Expect(float.IsFinite(p.Probability) && p.Label >= 0 && p.Label < c.LabelNames.Count, $"prediction {p}");
        }
    }

    /// <summary>A stream that cannot seek or tell its length, like a pipe.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 4096));

        public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, 4096)]);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
