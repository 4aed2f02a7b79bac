using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.HuggingFace;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.Tiktoken;
using EmbedSharp.Tokenization.Word;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp tokenize --model FILE [--type …] [--ids] &lt; text</c>: one output line of space-separated
/// tokens (or ids, as <c>spm_encode --output_format=id</c> prints them) per input line, in input order. Input is read
/// once, in batches (never whole: at most --batch-size lines and <see cref="MaxBatchChars"/> characters), each batch
/// encoded on all cores, so a pipe works.
/// <para>Lines (<c>--newline</c>): <c>lf</c>, the default for sentencepiece, reads input as <c>spm_encode</c> does
/// (<c>std::getline</c>): only <c>'\n'</c> ends a line; <c>'\r'</c>, a byte-order mark and NUL are text; a last line
/// without <c>'\n'</c> counts when not empty; each invalid UTF-8 byte becomes one U+FFFD, so ids and pieces match
/// spm_encode byte for byte. <c>any</c>, the default for the other tokenizers (which have no line-reading reference
/// tool), ends lines at <c>'\n'</c>, <c>"\r\n"</c> or <c>'\r'</c>, drops a UTF-8 byte-order mark at the start (file
/// and standard input alike) and decodes with .NET's decoder (a maximal invalid sequence becomes one U+FFFD), so a
/// Windows text file gives no <c>'\r'</c> tokens. A line may hold up to <see cref="TokenizerFiles.MaxTextLineChars"/>
/// characters (<c>any</c>) or <see cref="TokenizerFiles.MaxTextLineBytes"/> bytes (<c>lf</c>). Output is UTF-8 whatever
/// the locale, lines end with <c>'\n'</c>.</para></summary>
internal static class TokenizeCommand
{
    /// <summary>The largest --batch-size.</summary>
    public const int MaxBatchSize = 1 << 20;

    /// <summary>A batch ends once its lines hold this many characters (64 Mi), whatever --batch-size says, so memory
    /// stays bounded when lines are long.</summary>
    public const long MaxBatchChars = 1L << 26;

    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "wordpiece: vocab.txt; bpe: a directory with encoder.json + vocab.bpe, or the encoder.json (vocab.bpe beside it); "
                + "word/char: a one-token-per-line vocabulary with <unk>; sentencepiece: a .model file; tiktoken: a .tiktoken file; huggingface: a tokenizer.json.",
            Required = true,
        };
        var type = new Option<string?>("--type") { Description = "wordpiece, bpe, sentencepiece, word, char, tiktoken or huggingface (hf) (default: huggingface for a .json holding a \"model\" object, bpe for a directory or another .json, sentencepiece for .model, tiktoken for .tiktoken, else wordpiece)." };
        var encodingName = new Option<string?>("--encoding")
        {
            Description = "tiktoken: r50k_base (gpt2), p50k_base, p50k_edit, cl100k_base or o200k_base: the split pattern and special tokens "
                + "(default: the one the file name names). Special token strings in the text become their ids.",
        };
        var ids = new Option<bool>("--ids") { Description = "Print ids instead of tokens." };
        var input = new Option<FileInfo?>("--input") { Description = "Read this file instead of standard input." };
        var lower = new Option<bool>("--do-lower-case") { Description = "wordpiece: lower-case and strip accents (an uncased vocabulary).", DefaultValueFactory = _ => true };
        var unit = new Option<string>("--char-unit") { Description = "char: code-point or grapheme.", DefaultValueFactory = _ => "code-point" };
        var splitting = SharedOptions.WordSplitting();
        var batch = new Option<int>("--batch-size") { Description = "Lines encoded together on all cores.", DefaultValueFactory = _ => 2048 };
        var nbest = new Option<int>("--nbest")
        {
            Description = "sentencepiece unigram: print the N best segmentations of each line, one per output line, best first "
                + "(as spm_encode --output_format=nbest_piece / nbest_id); 0: the single best.",
            DefaultValueFactory = _ => 0,
        };
        var newline = new Option<string?>("--newline")
        {
            Description = "How input splits into lines. lf: only \\n ends a line; \\r, a byte-order mark and NUL are text; each invalid UTF-8 byte is one U+FFFD "
                + "(as spm_encode, byte for byte; the default for sentencepiece). any: \\n, \\r\\n or \\r end a line and a leading UTF-8 byte-order mark is dropped "
                + "(the default for the other types).",
        };
        var jsonl = new Option<bool>("--jsonl")
        {
            Description = "Read each input line as a JSON string (so texts may hold \\n, \\r, \\t) and print one JSON object per line: "
                + "ids, tokens, offsets ([start, end) in UTF-16 units of the text) and decoded (the ids decoded).",
        };
        var noSpecial = new Option<bool>("--no-special-tokens")
        {
            Description = "huggingface: do not add the post-processor's special tokens (Hugging Face's add_special_tokens=False; the default adds them, as encode(text) does).",
        };
        var command = new Command("tokenize", "Tokenize text, one output line per input line: space-separated tokens, or ids with --ids.")
        {
            model, type, ids, input, lower, unit, splitting, batch, nbest, newline, encodingName, jsonl, noSpecial,
        };
        command.SetAction(r => CliErrors.Run(() =>
        {
            var path = r.GetValue(model)!;
            var kind = r.GetValue(type) is { } t ? SharedOptions.TokenizerTypes.Parse(t, "--type") : TokenizerFiles.InferType(path);
            var batchSize = r.GetValue(batch);
            if (batchSize is < 1 or > MaxBatchSize)
            {
                throw new ArgumentException(FormattableString.Invariant($"--batch-size must be from 1 to {MaxBatchSize:N0}, got {batchSize}."));
            }

            var encoding = r.GetValue(encodingName);
            if (encoding is not null && kind != TokenizerType.Tiktoken)
            {
                throw new ArgumentException($"--encoding applies to --type tiktoken only; {path} is read as {kind}.");
            }

            var tokenizer = kind switch
            {
                TokenizerType.Tiktoken when encoding is not null => TiktokenTokenizer.Load(path, TiktokenEncoding.FromName(encoding)
                    ?? throw new ArgumentException($"--encoding: unknown encoding '{encoding}'; use r50k_base, gpt2, p50k_base, p50k_edit, cl100k_base or o200k_base.")),
                TokenizerType.WordPiece => WordPieceTokenizer.Load(path, r.GetValue(lower)),
                TokenizerType.Char => new CharacterTokenizer(((CharacterTokenizer)TokenizerFiles.Load(path, kind)).Vocabulary, Kebab.Parse<CharacterUnit>(r.GetValue(unit)!, "--char-unit")),
                TokenizerType.Word => new WordTokenizer(((WordTokenizer)TokenizerFiles.Load(path, kind)).Vocabulary, Kebab.Parse<WordSplitting>(r.GetValue(splitting)!, "--word-splitting")),
                TokenizerType.HuggingFace when r.GetValue(noSpecial) => HuggingFaceTokenizer.Load(path).WithoutSpecialTokens(),
                _ => TokenizerFiles.Load(path, kind),
            };
            if (r.GetValue(noSpecial) && kind != TokenizerType.HuggingFace)
            {
                throw new ArgumentException($"--no-special-tokens applies to huggingface tokenizers only, not to the {kind} model {path}.");
            }

            if (tokenizer is WordPieceTokenizer { ShadowedIds: [var first, ..] shadowed } wordPiece)
            {
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"embedsharp: warning: '{path}': {shadowed.Count} id(s) hold a token that repeats later (first: id {first}, '{wordPiece.IdToToken(first)}'); each such token encodes to its last id, as Hugging Face loads the file."));
            }

            var n = r.GetValue(nbest);
            if (n != 0 && (n < 1 || n > 1024 || tokenizer is not SentencePieceTokenizer { Algorithm: SentencePieceAlgorithm.Unigram }))
            {
                throw new ArgumentException(FormattableString.Invariant(
                    $"--nbest needs a sentencepiece unigram model and a value from 1 to 1024; got {n} with the {kind} model {path}."));
            }

            var lineFeedOnly = r.GetValue(newline) switch
            {
                null => kind == TokenizerType.SentencePiece,
                "lf" => true,
                "any" => false,
                var other => throw new ArgumentException($"--newline must be lf or any, got '{other}'."),
            };
            var file = r.GetValue(input)?.FullName;
            var printIds = r.GetValue(ids);
            if (Console.OutputEncoding.CodePage != Encoding.UTF8.CodePage)
            {
                // spm_encode writes UTF-8 whatever the locale; so does tokenize (a Latin-1 locale would mangle pieces).
                // A writer set with Console.SetOut (as the tests do) is kept.
                Console.OutputEncoding = new UTF8Encoding(false);
            }

            var json = r.GetValue(jsonl) ? tokenizer : null;
            if (lineFeedOnly && json is null && tokenizer is SentencePieceTokenizer sentencePiece)
            {
                Run(ReadByteLines(file), b => b.Length, batch => EncodeLines(sentencePiece, batch, n), Console.Out, printIds, batchSize, null);
            }
            else
            {
                var lines = lineFeedOnly ? ReadByteLines(file).Select(b => Encoding.UTF8.GetString(b)) : ReadTextLines(file);
                if (json is not null)
                {
                    lines = lines.Select((line, i) => ParseJsonLine(line, i + 1));
                }

                Run(lines, l => l.Length, batch => n == 0 ? tokenizer.EncodeBatch(batch) : NBest((SentencePieceTokenizer)tokenizer, batch, n), Console.Out, printIds, batchSize, json);
            }
        }));
        return command;
    }

    /// <summary>One <c>--jsonl</c> input line: a JSON string.</summary>
    private static string ParseJsonLine(string line, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.String ? document.RootElement.GetString()!
                : throw new ArgumentException(FormattableString.Invariant($"--jsonl: input line {number} is not a JSON string."));
        }
        catch (JsonException)
        {
            throw new ArgumentException(FormattableString.Invariant($"--jsonl: input line {number} is not a JSON string."));
        }
    }

    /// <summary>One <c>--jsonl</c> output line.</summary>
    private static void WriteJson(ITokenizer tokenizer, TokenEncoding encoding, StringBuilder sb)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("ids");
            foreach (var id in encoding.Ids)
            {
                writer.WriteNumberValue(id);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("tokens");
            foreach (var token in encoding.Tokens)
            {
                writer.WriteStringValue(token);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("offsets");
            foreach (var span in encoding.Spans)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(span.Start);
                writer.WriteNumberValue(span.End);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteString("decoded", tokenizer.Decode(encoding.Ids));
            writer.WriteEndObject();
        }

        sb.Append(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length)).Append('\n');
    }

    /// <summary>Opens standard input as bytes (tests replace it; the console's text reader would decode it first).</summary>
    internal static Func<Stream> OpenStandardInput { get; set; } = Console.OpenStandardInput;

    /// <summary>The input lines, from <paramref name="path"/> or standard input (see the class remarks for the rules):
    /// bytes with <c>--newline lf</c>, else text.</summary>
    private static IEnumerable<byte[]> ReadByteLines(string? path)
        => path is null ? TokenizerFiles.ReadByteLines(OpenStandardInput(), StandardInputName) : TokenizerFiles.ReadByteLines(path);

    private static IEnumerable<string> ReadTextLines(string? path)
        => path is null   // the file reader drops a byte-order mark; standard input is read the same way so both agree
            ? TokenizerFiles.ReadTextLines(new StreamReader(OpenStandardInput(), new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true), StandardInputName)
            : TokenizerFiles.ReadTextLines(path);

    private const string StandardInputName = "standard input";

    /// <summary>Encodes and prints the lines in batches of at most <paramref name="batchSize"/> lines and
    /// <see cref="MaxBatchChars"/> characters (or bytes), each batch on all cores, in input order; one JSON object per
    /// encoding when <paramref name="json"/> is the tokenizer (<c>--jsonl</c>).</summary>
    private static void Run<T>(IEnumerable<T> input, Func<T, long> size, Func<List<T>, IEnumerable<TokenEncoding>> encode, TextWriter output, bool printIds, int batchSize, ITokenizer? json)
    {
        var lines = new List<T>(Math.Min(batchSize, 4096));
        var sb = new StringBuilder();
        using var source = input.GetEnumerator();
        var more = true;
        while (more)
        {
            lines.Clear();
            long chars = 0;
            while (lines.Count < batchSize && chars < MaxBatchChars && (more = source.MoveNext()))
            {
                lines.Add(source.Current);
                chars += size(source.Current);
            }

            if (lines.Count == 0)
            {
                break;
            }

            sb.Clear();
            foreach (var encoding in encode(lines))
            {
                if (json is not null)
                {
                    WriteJson(json, encoding, sb);
                    continue;
                }

                for (var i = 0; i < encoding.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(' ');
                    }

                    if (printIds)
                    {
                        sb.Append(encoding.Ids[i].ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(encoding.Tokens[i]);
                    }
                }

                sb.Append('\n');
            }

            output.Write(sb.ToString());
        }

        output.Flush();
    }

    /// <summary>Each line's encoding (or n-best encodings, concatenated in line order), lines on all cores.</summary>
    private static TokenEncoding[] EncodeLines(SentencePieceTokenizer tokenizer, List<byte[]> lines, int nbest)
    {
        var perLine = new TokenEncoding[lines.Count][];
        Parallel.For(0, lines.Count, i => perLine[i] = nbest == 0 ? [tokenizer.Encode(lines[i].AsSpan())] : [.. tokenizer.EncodeNBest(lines[i].AsSpan(), nbest)]);
        return [.. perLine.SelectMany(e => e)];
    }

    private static TokenEncoding[] NBest(SentencePieceTokenizer tokenizer, List<string> lines, int n)
    {
        var perLine = new IReadOnlyList<TokenEncoding>[lines.Count];
        Parallel.For(0, lines.Count, i => perLine[i] = tokenizer.EncodeNBest(lines[i], n));
        return [.. perLine.SelectMany(e => e)];
    }
}
