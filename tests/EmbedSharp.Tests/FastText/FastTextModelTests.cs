using System.Diagnostics;
using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.FastText;

public sealed class FastTextModelTests
{
    private static FastTextOptions Args(int minn, int maxn, int bucket = 7, int dim = 2) =>
        new() { Dim = dim, Ws = 5, Epoch = 5, MinCount = 1, Neg = 5, WordNgrams = 1, Loss = FastTextLoss.NegativeSampling, Model = FastTextModelKind.SkipGram, Bucket = bucket, Minn = minn, Maxn = maxn, LrUpdateRate = 100, T = 1e-4 };

    [Theory]
    [InlineData("a", 3826002220u)]
    [InlineData("é", 1023043777u)] // textbook FNV-1a gives 513665217: fastText sign-extends bytes ≥ 0x80
    [InlineData("日本", 4164387409u)]
    public void Hash_is_fnv1a_with_fasttexts_sign_extension(string word, uint expected) =>
        Assert.Equal(expected, FastTextHashing.Hash(Encoding.UTF8.GetBytes(word)));

    [Fact]
    public void Subwords_skip_the_lone_brackets_and_count_utf8_characters()
    {
        var model = new FastTextModel(Args(1, 3), [new("x", 1, FastTextEntryType.Word)], 1, new FloatTensor(8, 2), new FloatTensor(1, 2));
        var texts = model.Subwords("é").Select(s => s.Text).ToArray();
        Assert.Equal(["<é", "<é>", "é", "é>"], texts);
        Assert.Equal(["x", "<x", "<x>", "x", "x>"], model.Subwords("x").Select(s => s.Text));
        Assert.Equal(0, model.Subwords("x")[0].Row);
        Assert.All(model.Subwords("é"), s => Assert.Equal(1 + (int)(FastTextHashing.Hash(Encoding.UTF8.GetBytes(s.Text)) % 7), s.Row));
        Assert.Contains("<>", model.Subwords("").Select(s => s.Text));
        Assert.Empty(model.Subwords("</s>"));
    }

    [Fact]
    public void Without_subwords_known_words_get_their_row_and_unknown_words_zero()
    {
        var input = FloatTensor.FromArray([0.5f, -1.5f, 2f, 3f], 2, 2);
        var model = new FastTextModel(Args(0, 0, bucket: 0), [new("a", 2, FastTextEntryType.Word), new("b", 1, FastTextEntryType.Word)], 3, input, new FloatTensor(2, 2));
        var v = new float[2];
        model.GetWordVector("b", v);
        Assert.Equal([2f, 3f], v);
        model.GetWordVector("zzz", v);
        Assert.Equal([0f, 0f], v);
        Assert.Empty(model.Subwords("zzz"));
    }

    [Fact]
    public void A_word_shorter_than_minn_has_the_zero_vector()
    {
        var model = FastTextFixtures.Scratch(); // minn 2, maxn 4
        var v = new float[4];
        model.GetWordVector("q", v); // "<q>" has n-grams "<q", "<q>", "q>"
        Assert.NotEqual(new float[4], v);
        var wide = new FastTextModel(Args(4, 5), [new("x", 1, FastTextEntryType.Word)], 1, FloatTensor.FromSpan(Enumerable.Repeat(1f, 16).ToArray(), 8, 2), new FloatTensor(1, 2));
        var w = new float[2];
        wide.GetWordVector("é", w); // "<é>" is 3 characters < minn 4
        Assert.Equal([0f, 0f], w);
    }

    [Fact]
    public void Word_and_sentence_vectors_allocate_nothing()
    {
        var model = FastTextModel.Load(FastTextFixtures.PathOf("skipgram.bin"));
        var v = new float[model.Dimension];
        model.GetWordVector("naïveté", v);
        model.GetSentenceVector("the king and the queen", v);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            model.GetWordVector("naïveté", v);
            model.GetWordVector("king", v);
            model.GetSentenceVector("the king and the naïve queen", v);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_values()
    {
        var model = FastTextFixtures.Scratch();
        var e = Assert.Throws<ArgumentException>(() => model.GetWordVector("hello", new float[3]));
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.GetSentenceVector("hello", new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ToWordVectors(-1));

        var a = Args(2, 4);
        FastTextEntry w = new("w", 1, FastTextEntryType.Word);
        FastTextEntry l = new("__label__l", 1, FastTextEntryType.Label);
        Assert.Contains("after a label", Assert.Throws<ArgumentException>(() => new FastTextModel(a, [l, w], 2, new FloatTensor(8, 2), new FloatTensor(1, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new FastTextModel(a, [w, w], 2, new FloatTensor(9, 2), new FloatTensor(1, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("(7, 2)", Assert.Throws<ArgumentException>(() => new FastTextModel(a, [w], 2, new FloatTensor(7, 2), new FloatTensor(1, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("(1, 3)", Assert.Throws<ArgumentException>(() => new FastTextModel(a, [w], 2, new FloatTensor(8, 2), new FloatTensor(1, 3))).Message, StringComparison.Ordinal);
        Assert.Contains("NUL", Assert.Throws<ArgumentException>(() => new FastTextModel(a, [new("a\0b", 1, FastTextEntryType.Word)], 2, new FloatTensor(8, 2), new FloatTensor(1, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("bucket is 0", Assert.Throws<ArgumentException>(() => new FastTextModel(Args(2, 4, bucket: 0), [w], 2, new FloatTensor(1, 2), new FloatTensor(1, 2))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5f, "0.5")]
    [InlineData(1e-5f, "1e-05")]
    [InlineData(123456f, "1.2346e+05")]
    [InlineData(1.03125f, "1.0312")] // an exact tie: glibc rounds half to even
    [InlineData(12345.5f, "12346")]
    [InlineData(99999.5f, "1e+05")]
    [InlineData(1e-4f, "0.0001")]
    [InlineData(-0.00012345678f, "-0.00012346")]
    [InlineData(3.0517578125e-05f, "3.0518e-05")]
    [InlineData(1e20f, "1e+20")]
    [InlineData(0.1f, "0.1")]
    [InlineData(2.5e-7f, "2.5e-07")]
    [InlineData(-0f, "-0")]
    [InlineData(0f, "0")]
    [InlineData(float.PositiveInfinity, "inf")]
    [InlineData(1.401298464324817e-45f, "1.4013e-45")]
    public void Values_print_as_printf_percent_5g(float value, string expected) =>
        Assert.Equal(expected, FastTextPrint.Format(value));

    [Fact]
    public void A_french_culture_changes_nothing()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            var french = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            french.NumberFormat.NumberDecimalSeparator = ",";
            french.NumberFormat.NegativeSign = "−";
            CultureInfo.CurrentCulture = french;
            var model = FastTextModel.Load(FastTextFixtures.PathOf("cbow.bin"));
            Assert.Equal(1e-4, model.Args.T);
            Assert.Equal("-0.00012346", FastTextPrint.Format(-0.00012345678f));
            var v = new float[model.Dimension];
            model.GetWordVector("king", v);
            Assert.DoesNotContain(",", FastTextPrint.FormatVector(v), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [FastTextCliFact]
    public void Fasttext_cli_reads_our_files_and_prints_our_vectors()
    {
        var dir = Directory.CreateTempSubdirectory("ftcli-");
        try
        {
            // 1: the hand-built model; 2: the skipgram model with every input value halved and the args changed (minn 2).
            var original = FastTextModel.Load(FastTextFixtures.PathOf("skipgram.bin"));
            var input = original.Input.Clone();
            input.Scale(0.5f);
            var changed = new FastTextModel(original.Args with { Minn = 2, Maxn = 4 }, original.Entries.Select(e => e with { Word = e.Word.Replace('\uFFFD', 'e') }).ToArray(), original.TokenCount, input, original.Output);
            foreach (var (name, model) in new[] { ("scratch.bin", FastTextFixtures.Scratch()), ("changed.bin", changed) })
            {
                var path = Path.Combine(dir.FullName, name);
                model.Save(path);
                string[] words = ["hello", "wörld", "king", "naïve", "naïveté", "日本語", "😀", "xyzzy", "é", "q", "cafe"];
                var psi = new ProcessStartInfo("fasttext", ["print-word-vectors", path])
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    StandardOutputEncoding = Encoding.UTF8,
                };
                using var p = Process.Start(psi)!;
                p.StandardInput.Write(string.Join('\n', words) + "\n");
                p.StandardInput.Close();
                var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                p.WaitForExit();
                Assert.Equal(words.Length, lines.Length);
                var v = new float[model.Dimension];
                for (var i = 0; i < words.Length; i++)
                {
                    model.GetWordVector(words[i], v);
                    var word = Encoding.UTF8.GetBytes(words[i]);
                    FastTextFixtures.AssertPrinted(Encoding.UTF8.GetBytes(lines[i]), [.. word, (byte)' '], v, $"{name} '{words[i]}'");
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

/// <summary>A fact that runs only when the <c>fasttext</c> CLI is on PATH (the default suite does not need it).</summary>
public sealed class FastTextCliFactAttribute : FactAttribute
{
    public FastTextCliFactAttribute()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "fasttext"))))
        {
            Skip = "The fasttext CLI is not on PATH.";
        }
    }
}
