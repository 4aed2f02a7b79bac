using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Tests.FastText;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Compares with Debian's fastText 0.9.2 (tests/data/fasttext, made by tools/goldens/make_fasttext.py): word vectors of
/// in- and out-of-vocabulary words, sentence vectors, n-grams, the .vec file, args and dictionary dumps. fastText prints
/// 5 significant digits; each value must lie within half a unit of the last printed digit AND our line, formatted as
/// fastText formats it, must be string-equal to fastText's.
/// </summary>
public sealed class FastTextParityTests
{
    public static TheoryData<string> Models() => new() { "skipgram", "cbow", "supervised" };

    public static TheoryData<string> UnsupervisedModels() => new() { "skipgram", "cbow" };

    private static readonly Dictionary<string, FastTextModel> Cache = [];

    private static FastTextModel Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var m))
            {
                m = FastTextBinFile.Read(FastTextFixtures.PathOf(name + ".bin"));
                Cache[name] = m;
            }

            return m;
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Word_vectors_of_known_and_unknown_words_match_print_word_vectors(string name)
    {
        var model = Load(name);
        var queries = FastTextFixtures.Lines(name + ".words.txt");
        var printed = FastTextFixtures.Lines(name + ".word-vectors.txt");
        Assert.Equal(queries.Count, printed.Count);
        var vec = new float[model.Dimension];
        for (var i = 0; i < queries.Count; i++)
        {
            model.GetWordVector(queries[i], vec);
            FastTextFixtures.AssertPrinted(printed[i], [.. queries[i], (byte)' '], vec, $"{name} word '{Encoding.UTF8.GetString(queries[i])}'");
        }
    }

    [Fact]
    public void Scratch_model_vectors_match_print_word_vectors()
    {
        var model = FastTextFixtures.Scratch();
        var queries = FastTextFixtures.Lines("scratch.words.txt");
        var printed = FastTextFixtures.Lines("scratch.word-vectors.txt");
        Assert.Equal(queries.Count, printed.Count);
        var vec = new float[model.Dimension];
        for (var i = 0; i < queries.Count; i++)
        {
            var word = Encoding.UTF8.GetString(queries[i]);
            model.GetWordVector(word, vec);
            FastTextFixtures.AssertPrinted(printed[i], [.. queries[i], (byte)' '], vec, $"scratch word '{word}'");
        }
    }

    [Fact]
    public void Scratch_model_written_by_us_is_byte_identical_to_the_scripts_file()
    {
        using var ms = new MemoryStream();
        FastTextBinFile.Write(ms, FastTextFixtures.Scratch());
        Assert.Equal(FastTextFixtures.Bytes("scratch.bin"), ms.ToArray());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Sentence_vectors_match_print_sentence_vectors(string name)
    {
        var model = Load(name);
        var lines = FastTextFixtures.Lines(name + ".sentences.txt");
        var printed = FastTextFixtures.Lines(name + ".sentence-vectors.txt");
        Assert.Equal(lines.Count, printed.Count);
        var vec = new float[model.Dimension];
        for (var i = 0; i < lines.Count; i++)
        {
            var line = Encoding.UTF8.GetString(lines[i]);
            model.GetSentenceVector(line, vec);
            FastTextFixtures.AssertPrinted(printed[i], [], vec, $"{name} sentence {i} '{line}'");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Vec_file_written_by_fasttext_equals_ToWordVectors(string name)
    {
        var model = Load(name);
        var lines = FastTextFixtures.Lines(name + ".vec");
        Assert.Equal($"{model.WordCount} {model.Dimension}", Encoding.UTF8.GetString(lines[0]).TrimEnd());
        var wv = model.ToWordVectors();
        Assert.Equal(model.WordCount, wv.Count);
        for (var i = 0; i < model.WordCount; i++)
        {
            var word = model.Dictionary.GetWordBytes(i);
            Assert.Equal(model.Entries[i].Word, wv.Words[i]);
            FastTextFixtures.AssertPrinted(lines[i + 1], [.. word, (byte)' '], wv.GetVector(i), $"{name} .vec line {i + 1}");
        }
    }

    [Theory]
    [MemberData(nameof(UnsupervisedModels))]
    public void Subwords_match_print_ngrams(string name)
    {
        var model = Load(name);
        var lines = FastTextFixtures.Lines(name + ".ngrams.txt");
        var k = 0;
        while (k < lines.Count)
        {
            var header = Encoding.UTF8.GetString(lines[k++]);
            Assert.StartsWith("#word ", header, StringComparison.Ordinal);
            var word = header["#word ".Length..];
            var subwords = model.Subwords(word);
            foreach (var s in subwords)
            {
                var text = Encoding.UTF8.GetBytes(s.Text);
                FastTextFixtures.AssertPrinted(lines[k++], [.. text, (byte)' '], model.Input.Row(s.Row), $"{name} n-gram '{s.Text}' of '{word}'");
            }

            Assert.True(k == lines.Count || lines[k].AsSpan().StartsWith("#word "u8), $"{name}: fastText lists more n-grams of '{word}' than our {subwords.Count}.");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Args_and_dictionary_match_fasttext_dump(string name)
    {
        var model = Load(name);
        var args = FastTextFixtures.Lines(name + ".args.txt")
            .Select(l => Encoding.UTF8.GetString(l).Split(' '))
            .ToDictionary(p => p[0], p => p[1]);
        var a = model.Args;
        Assert.Equal(args["dim"], a.Dim.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["ws"], a.Ws.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["epoch"], a.Epoch.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["minCount"], a.MinCount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["neg"], a.Neg.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["wordNgrams"], a.WordNgrams.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["bucket"], a.Bucket.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["minn"], a.Minn.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["maxn"], a.Maxn.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(args["lrUpdateRate"], a.LrUpdateRate.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(double.Parse(args["t"], CultureInfo.InvariantCulture), a.T);
        var loss = a.Loss switch
        {
            FastTextLoss.HierarchicalSoftmax => "hs",
            FastTextLoss.NegativeSampling => "ns",
            FastTextLoss.Softmax => "softmax",
            _ => "one-vs-all",
        };
        Assert.Equal(args["loss"], loss);
        Assert.Equal(args["model"], a.Model switch { FastTextModelKind.Cbow => "cbow", FastTextModelKind.SkipGram => "sg", _ => "sup" });

        var dict = FastTextFixtures.Lines(name + ".dict.txt");
        Assert.Equal(model.Entries.Count.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetString(dict[0]));
        for (var i = 0; i < model.Entries.Count; i++)
        {
            var e = model.Entries[i];
            var expected = Encoding.UTF8.GetString(dict[i + 1]);
            Assert.Equal(expected, $"{Encoding.UTF8.GetString(model.Dictionary.GetWordBytes(i))} {e.Count} {(e.Type == FastTextEntryType.Word ? "word" : "label")}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Writing_a_model_read_from_fasttext_gives_back_the_same_bytes(string name)
    {
        using var ms = new MemoryStream();
        FastTextBinFile.Write(ms, Load(name));
        Assert.True(FastTextFixtures.Bytes(name + ".bin").AsSpan().SequenceEqual(ms.ToArray()), $"{name}: the rewritten file differs.");
    }

    [Fact]
    public void Supervised_model_loads_with_its_labels()
    {
        var model = Load("supervised");
        Assert.Equal(FastTextModelKind.Supervised, model.Args.Model);
        Assert.Equal(2, model.LabelCount);
        Assert.Equal(["__label__neg", "__label__pos"], model.Labels.Order(StringComparer.Ordinal));
        Assert.All(model.Entries.Skip(model.WordCount), e => Assert.Equal(FastTextEntryType.Label, e.Type));
        Assert.Equal(model.LabelCount, model.Output.Shape[0]);
        Assert.Throws<ArgumentException>(() => model.GetWordVector("__label__pos", new float[model.Dimension]));
    }

    [Fact]
    public void The_invalid_utf8_word_of_the_corpus_is_reported_and_found_by_its_bytes()
    {
        var model = Load("skipgram");
        var id = model.Dictionary.GetId([(byte)'c', (byte)'a', (byte)'f', 0xE9]);
        Assert.True(id >= 0);
        Assert.Equal([id], model.InvalidUtf8Entries);
        Assert.Equal("caf\uFFFD", model.Entries[id].Word);
        Assert.Empty(model.DuplicateEntries);
    }
}
