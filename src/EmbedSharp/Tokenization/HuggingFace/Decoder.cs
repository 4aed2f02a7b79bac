using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Tokenization.Bpe;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face decoder (<c>decode_chain</c>): rewrites the list of token strings; the decoded text is their
/// concatenation. Types: <c>ByteLevel</c> (byte characters → UTF-8, invalid sequences → U+FFFD), <c>Metaspace</c>
/// (replacement → space, none kept in the first token unless <c>prepend_scheme</c> is never), <c>WordPiece</c>
/// (<c>prefix</c> dropped, other tokens after the first get a space; <c>cleanup</c> joins punctuation and
/// contractions), <c>BPEDecoder</c> (<c>suffix</c> → space, nothing in the last token), <c>ByteFallback</c>
/// (<c>&lt;0xHH&gt;</c> runs → their UTF-8 text, or one U+FFFD per byte if invalid), <c>Fuse</c> (one string),
/// <c>Strip</c> (up to <c>start</c>/<c>stop</c> copies of <c>content</c> off each token), <c>Replace</c>, <c>CTC</c>
/// (repeats collapsed, <c>pad_token</c> dropped, <c>word_delimiter_token</c> → space with cleanup) and <c>Sequence</c>.
/// </summary>
internal sealed class Decoder
{
    private readonly string type;
    private readonly Decoder[] steps = [];
    private readonly string text1 = "";
    private readonly string text2 = "";
    private readonly bool flag;
    private readonly int start;
    private readonly int stop;
    private readonly OnigurumaRegex? pattern;

    private Decoder(JsonSource json, JsonElement element, string path)
    {
        type = json.Type(element, path);
        switch (type)
        {
            case "ByteLevel" or "ByteFallback" or "Fuse":
                break;
            case "Metaspace":
                {
                    var (replacement, scheme) = MetaspacePreTokenizer.Read(json, element, path);
                    text1 = replacement;
                    flag = scheme != MetaspacePreTokenizer.Prepend.Never;
                    break;
                }

            case "WordPiece":
                text1 = json.OptionalString(element, "prefix", path, "##")!;
                flag = json.Bool(element, "cleanup", path, true);
                break;
            case "BPEDecoder":
                text1 = json.OptionalString(element, "suffix", path, "</w>")!;
                break;
            case "Strip":
                text1 = json.String(element, "content", path);
                if (text1.Length != 1)
                {
                    throw json.Error($"{path}.content", "expected one character.");
                }

                start = json.Int(element, "start", path, 0);
                stop = json.Int(element, "stop", path, 0);
                break;
            case "Replace":
                pattern = ReplaceNormalizer.ReadPattern(json, element, path);
                text1 = json.String(element, "content", path);
                break;
            case "CTC":
                text1 = json.OptionalString(element, "pad_token", path, "<pad>")!;
                text2 = json.OptionalString(element, "word_delimiter_token", path, "|")!;
                flag = json.Bool(element, "cleanup", path, true);
                break;
            case "Sequence":
                {
                    var list = json.Array(json.Required(element, "decoders", path), $"{path}.decoders");
                    steps = new Decoder[list.GetArrayLength()];
                    var i = 0;
                    foreach (var item in list.EnumerateArray())
                    {
                        steps[i] = Parse(json, item, JsonSource.At($"{path}.decoders", i));
                        i++;
                    }

                    break;
                }

            default:
                throw json.Error($"{path}.type", $"the decoder type \"{JsonSource.Excerpt(type)}\" is not supported (supported: ByteLevel, Metaspace, WordPiece, BPEDecoder, ByteFallback, Fuse, Strip, Replace, CTC, Sequence).");
        }
    }

    /// <summary>Reads the <c>decoder</c> object at <paramref name="path"/>.</summary>
    public static Decoder Parse(JsonSource json, JsonElement element, string path) => new(json, element, path);

    /// <summary>Rewrites <paramref name="tokens"/> in place.</summary>
    public void DecodeChain(List<string> tokens)
    {
        switch (type)
        {
            case "Sequence":
                foreach (var step in steps)
                {
                    step.DecodeChain(tokens);
                }

                break;
            case "ByteLevel":
                {
                    var bytes = new List<byte>();
                    Span<byte> utf8 = stackalloc byte[4];
                    foreach (var token in tokens)
                    {
                        var all = true;
                        foreach (var c in token)
                        {
                            all &= ByteLevel.ToByte(c) >= 0;
                        }

                        if (all)
                        {
                            foreach (var c in token)
                            {
                                bytes.Add((byte)ByteLevel.ToByte(c));
                            }
                        }
                        else
                        {
                            bytes.AddRange(Encoding.UTF8.GetBytes(token));
                        }
                    }

                    tokens.Clear();
                    tokens.Add(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)));
                    break;
                }

            case "Metaspace":
                for (var i = 0; i < tokens.Count; i++)
                {
                    tokens[i] = i == 0 && flag ? tokens[i].Replace(text1, "", StringComparison.Ordinal) : tokens[i].Replace(text1, " ", StringComparison.Ordinal);
                }

                break;
            case "WordPiece":
                for (var i = 0; i < tokens.Count; i++)
                {
                    if (i != 0)
                    {
                        tokens[i] = tokens[i].StartsWith(text1, StringComparison.Ordinal) ? tokens[i][text1.Length..] : " " + tokens[i];
                    }

                    if (flag)
                    {
                        tokens[i] = Cleanup(tokens[i]);
                    }
                }

                break;
            case "BPEDecoder":
                for (var i = 0; i < tokens.Count; i++)
                {
                    tokens[i] = tokens[i].Replace(text1, i == tokens.Count - 1 ? "" : " ", StringComparison.Ordinal);
                }

                break;
            case "ByteFallback":
                ByteFallback(tokens);
                break;
            case "Fuse":
                {
                    var joined = string.Concat(tokens);
                    tokens.Clear();
                    tokens.Add(joined);
                    break;
                }

            case "Strip":
                for (var i = 0; i < tokens.Count; i++)
                {
                    tokens[i] = Strip(tokens[i]);
                }

                break;
            case "Replace":
                {
                    var matches = new List<(int Start, int End)>();
                    for (var i = 0; i < tokens.Count; i++)
                    {
                        pattern!.Find(tokens[i], matches);
                        if (matches.Count > 0)
                        {
                            var sb = new StringBuilder();
                            var last = 0;
                            foreach (var (s, e) in matches)
                            {
                                sb.Append(tokens[i], last, s - last).Append(text1);
                                last = e;
                            }

                            tokens[i] = sb.Append(tokens[i], last, tokens[i].Length - last).ToString();
                        }
                    }

                    break;
                }

            case "CTC":
                {
                    var output = new List<string>();
                    string? previous = null;
                    foreach (var token in tokens)
                    {
                        if (token == previous)
                        {
                            continue;
                        }

                        previous = token;
                        var replaced = token.Replace(text1, "", StringComparison.Ordinal);
                        if (flag)
                        {
                            replaced = Cleanup(replaced).Replace(text2, " ", StringComparison.Ordinal);
                        }

                        if (replaced.Length > 0)
                        {
                            output.Add(replaced);
                        }
                    }

                    tokens.Clear();
                    tokens.AddRange(output);
                    break;
                }
        }
    }

    private string Strip(string token)
    {
        var runes = token.EnumerateRunes().Select(r => r.ToString()).ToList();
        var content = text1;
        var startCut = 0;
        for (var i = 0; i < Math.Min(start, runes.Count); i++)
        {
            if (runes[i] != content)
            {
                break;
            }

            startCut = i + 1;
        }

        var stopCut = runes.Count;
        for (var i = 0; i < stop && runes.Count - i - 1 >= 0; i++)
        {
            var index = runes.Count - i - 1;
            if (runes[index] != content)
            {
                break;
            }

            stopCut = index;
        }

        return stopCut <= startCut ? "" : string.Concat(runes.GetRange(startCut, stopCut - startCut));
    }

    private static void ByteFallback(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                continue;
            }

            Flush(pending, output);
            output.Add(token);
        }

        Flush(pending, output);
        tokens.Clear();
        tokens.AddRange(output);
    }

    private static void Flush(List<byte> pending, List<string> output)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            output.Add(new UTF8Encoding(false, true).GetString(pending.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                output.Add("\uFFFD");
            }
        }

        pending.Clear();
    }

    private static string Cleanup(string s) => s
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" do not", " don't", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal).Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);
}
