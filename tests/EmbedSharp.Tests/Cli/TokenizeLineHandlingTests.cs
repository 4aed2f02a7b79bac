using System.Text;
using System.Text.Json;
using EmbedSharp.Tests.Tokenization;

namespace EmbedSharp.Tests.Cli;

/// <summary>
/// <c>embedsharp tokenize</c> reads lines as <c>spm_encode</c> does for SentencePiece models: the whole output on a
/// file of line-handling cases (\r, \r\n, a BOM at the start, empty lines, invalid UTF-8, NUL, no final newline) equals
/// spm_encode's (tests/data/sentencepiece/lines.json, tools/goldens/make_sentencepiece_pieces.py), from a file and from
/// standard input.
/// </summary>
[Collection("Console")]
public sealed class TokenizeLineHandlingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-tokenize-lines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece", "lines.json"))).RootElement);

    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var model in (string[])["unigram", "bpe", "unigram_bytes", "unigram_identity", "bpe_suffix"])
            {
                data.Add(model, "id");
                data.Add(model, "piece");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_equals_spm_encode_on_line_handling_cases(string model, string format)
    {
        var input = Convert.FromHexString(Golden.Value.GetProperty("input_hex").GetString()!);
        var expected = Golden.Value.GetProperty("models").GetProperty(model).GetProperty(format).GetString()!;
        var path = Path.Combine(_dir, "cases.bin");
        File.WriteAllBytes(path, input);
        var modelPath = Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece", model + ".model");
        string[] ids = format == "id" ? ["--ids"] : [];

        var fromFile = CliRunner.Invoke(null, ["tokenize", "--model", modelPath, "--input", path, .. ids]);
        Assert.True(fromFile.Code == 0, fromFile.Err);
        Assert.Equal(expected, fromFile.Out);

        var fromStdin = CliRunner.InvokeBytes(input, ["tokenize", "--model", modelPath, .. ids]);
        Assert.True(fromStdin.Code == 0, fromStdin.Err);
        Assert.Equal(expected, fromStdin.Out);
    }

    [Fact]
    public void Newline_any_splits_at_cr_and_drops_a_bom_from_a_file_and_from_standard_input()
    {
        var modelPath = Path.Combine(AppContext.BaseDirectory, "data", "sentencepiece", "unigram_identity.model");
        var input = Encoding.UTF8.GetBytes("\uFEFFone\r\ntwo\rthree\n");
        var path = Path.Combine(_dir, "crlf.txt");
        File.WriteAllBytes(path, input);
        var viaFile = CliRunner.Invoke(null, "tokenize", "--model", modelPath, "--input", path, "--newline", "any");
        var viaStdin = CliRunner.InvokeBytes(input, "tokenize", "--model", modelPath, "--newline", "any");
        Assert.Equal(0, viaFile.Code);
        Assert.Equal(viaFile.Out, viaStdin.Out);
        Assert.Equal(3, viaFile.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain('\uFEFF', viaFile.Out);
        Assert.DoesNotContain('\r', viaFile.Out);

        // lf (the default for sentencepiece): two lines, the \r and the BOM are text
        var lf = CliRunner.InvokeBytes(input, "tokenize", "--model", modelPath);
        Assert.Equal(2, lf.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains('\r', lf.Out);

        Assert.Equal(1, CliRunner.Invoke("x\n", "tokenize", "--model", modelPath, "--newline", "crlf").Code);
    }

    [Fact]
    public void Other_tokenizers_split_lines_at_cr_by_default_and_at_lf_only_on_request()
    {
        var vocab = TokenizerFixtures.PathOf("wordpiece/vocab.txt");
        var input = Encoding.UTF8.GetBytes("\uFEFFhello\r\nworld\rthe end");
        var byDefault = CliRunner.InvokeBytes(input, "tokenize", "--model", vocab);
        Assert.Equal(0, byDefault.Code);
        Assert.Equal(3, byDefault.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var lf = CliRunner.InvokeBytes(input, "tokenize", "--model", vocab, "--newline", "lf");
        Assert.Equal(2, lf.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
