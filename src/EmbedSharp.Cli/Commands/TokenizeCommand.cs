using System.CommandLine;
using System.Globalization;
using System.Text;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.Tiktoken;
using EmbedSharp.Tokenization.Word;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp tokenize --model FILE [--type …] [--ids] &lt; text</c>: one output line of space-separated
/// tokens (or ids, as <c>spm_encode --output_format=id</c> prints them) per input line, in input order. Input is read
/// once, in batches (never whole: at most --batch-size lines and <see cref="MaxBatchChars"/> characters), each batch
/// encoded on all cores, so a pipe works. A line may hold up to <see cref="TokenizerFiles.MaxTextLineChars"/>
/// characters. Input is UTF-8: invalid bytes become U+FFFD (.NET's decoder), which BPE then encodes as the bytes
/// EF BF BD and WordPiece drops.</summary>
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
                + "word/char: a one-token-per-line vocabulary with <unk>; sentencepiece: a .model file; tiktoken: a .tiktoken file.",
            Required = true,
        };
        var type = new Option<string?>("--type") { Description = "wordpiece, bpe, sentencepiece, word, char or tiktoken (default: bpe for a directory or .json, sentencepiece for .model, tiktoken for .tiktoken, else wordpiece)." };
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
        var command = new Command("tokenize", "Tokenize text, one output line per input line: space-separated tokens, or ids with --ids.")
        {
            model, type, ids, input, lower, unit, splitting, batch, nbest, encodingName,
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
                _ => TokenizerFiles.Load(path, kind),
            };
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

            var file = r.GetValue(input);
            var lines = file is null ? TokenizerFiles.ReadTextLines(Console.In, "standard input") : TokenizerFiles.ReadTextLines(file.FullName);
            Run(tokenizer, lines, Console.Out, r.GetValue(ids), batchSize, n);
        }));
        return command;
    }

    private static void Run(ITokenizer tokenizer, IEnumerable<string> input, TextWriter output, bool printIds, int batchSize, int nbest)
    {
        var lines = new List<string>(Math.Min(batchSize, 4096));
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
                chars += source.Current.Length;
            }

            if (lines.Count == 0)
            {
                break;
            }

            var encodings = nbest == 0 ? tokenizer.EncodeBatch(lines) : NBest((SentencePieceTokenizer)tokenizer, lines, nbest);
            sb.Clear();
            foreach (var encoding in encodings)
            {
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

    /// <summary>The n-best encodings of every line, concatenated in line order (each line on all cores).</summary>
    private static TokenEncoding[] NBest(SentencePieceTokenizer tokenizer, List<string> lines, int n)
    {
        var perLine = new IReadOnlyList<TokenEncoding>[lines.Count];
        Parallel.For(0, lines.Count, i => perLine[i] = tokenizer.EncodeNBest(lines[i], n));
        return [.. perLine.SelectMany(e => e)];
    }
}
