using System.CommandLine;
using System.Globalization;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.Word;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp tokenizer train --type wordpiece|bpe|sentencepiece|word|char --vocab-size N CORPUS --out DIR</c>:
/// writes <c>vocab.txt</c> (wordpiece, word, char), <c>encoder.json</c> + <c>vocab.bpe</c> (bpe) or
/// <c>sentencepiece.model</c> (a SentencePiece unigram model, <see cref="UnigramTrainer"/>) into DIR.</summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var corpus = new Argument<FileInfo>("CORPUS") { Description = "A UTF-8 text file; each line is encoded on its own (invalid bytes read as U+FFFD)." };
        var type = new Option<string>("--type") { Description = "wordpiece, bpe, sentencepiece (a unigram model, as spm_train --model_type=unigram), word or char.", Required = true };
        var size = new Option<int>("--vocab-size") { Description = "Tokens in the vocabulary (specials and the 256 byte tokens included).", Required = true };
        var output = SharedOptions.OutDirectory("Output directory (created if missing).");
        var lower = new Option<bool>("--do-lower-case") { Description = "wordpiece: lower-case and strip accents.", DefaultValueFactory = _ => true };
        var minFrequency = new Option<long>("--min-frequency") { Description = "wordpiece/bpe: the least count of a merged pair; word/char: of a token.", DefaultValueFactory = _ => 2 };
        var splitting = SharedOptions.WordSplitting();
        var coverage = new Option<double>("--character-coverage")
        {
            Description = "sentencepiece: the share of character occurrences single-character pieces must cover (spm_train's --character_coverage, 0.98 to 1).",
            DefaultValueFactory = _ => 0.9995,
        };
        var train = new Command("train", "Train a vocabulary from a corpus: WordPiece (counted ## merges), byte-level BPE, a SentencePiece unigram model, words or characters.")
        {
            corpus, type, size, output, lower, minFrequency, splitting, coverage,
        };
        train.SetAction(r => CliErrors.Run(() =>
        {
            var kind = SharedOptions.TokenizerTypes.Parse(r.GetValue(type)!, "--type");
            var wordSplitting = Kebab.Parse<WordSplitting>(r.GetValue(splitting)!, "--word-splitting");
            var vocabSize = r.GetValue(size);
            var minCount = r.GetValue(minFrequency);
            if (minCount < 1)
            {
                throw new ArgumentException(FormattableString.Invariant($"--min-frequency must be at least 1, got {minCount}."));
            }

            var path = r.GetValue(corpus)!.FullName;
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The corpus {path} does not exist.");
            }

            var dir = r.GetValue(output)!.FullName;
            var lines = TokenizerFiles.ReadTextLines(path);   // read once, line by line: a pipe works
            ITokenizer trained;
            switch (kind)
            {
                case TokenizerType.WordPiece:
                    var wordPiece = WordPieceTrainer.Train(lines, CheckSize(vocabSize, WordPieceTrainer.SpecialTokens.Count), r.GetValue(lower), minCount);
                    Directory.CreateDirectory(dir);
                    wordPiece.Save(Path.Combine(dir, "vocab.txt"));
                    trained = wordPiece;
                    break;
                case TokenizerType.Bpe:
                    var bpe = BpeTrainer.Train(lines, CheckSize(vocabSize, 256), minCount);
                    bpe.Save(dir);
                    trained = bpe;
                    break;
                case TokenizerType.SentencePiece:
                    var options = new UnigramTrainerOptions { VocabSize = CheckSize(vocabSize, 4), CharacterCoverage = r.GetValue(coverage) };
                    var unigram = UnigramTrainer.Train(lines, options);
                    Directory.CreateDirectory(dir);
                    unigram.Model.Save(Path.Combine(dir, SentencePieceModelFileName));
                    trained = unigram;
                    break;
                case TokenizerType.Word or TokenizerType.Char:
                    var vocabulary = kind == TokenizerType.Word
                        ? WordTokenizer.BuildVocabulary(lines, wordSplitting, minCount: (int)Math.Min(minCount, int.MaxValue), maxSize: CheckSize(vocabSize, 2))
                        : CharacterTokenizer.BuildVocabulary(lines, minCount: (int)Math.Min(minCount, int.MaxValue), maxSize: CheckSize(vocabSize, 2));
                    Directory.CreateDirectory(dir);
                    vocabulary.Save(Path.Combine(dir, "vocab.txt"));
                    trained = kind == TokenizerType.Word ? new WordTokenizer(vocabulary, wordSplitting) : new CharacterTokenizer(vocabulary);
                    break;
                default:
                    throw new ArgumentException($"--type {kind.ToString().ToLowerInvariant()} cannot be trained here; expected wordpiece, bpe, sentencepiece, word or char.");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind.ToString().ToLowerInvariant()}: {trained.VocabSize} tokens written to {dir}"));
        }));
        var command = new Command("tokenizer", "Tokenizer vocabularies: train.");
        command.Subcommands.Add(train);
        return command;
    }

    /// <summary>The file <c>--type sentencepiece</c> writes into the output directory.</summary>
    public const string SentencePieceModelFileName = "sentencepiece.model";

    /// <summary>The largest --vocab-size (16 Mi tokens; real vocabularies hold up to a few hundred thousand).</summary>
    public const int MaxVocabSize = 1 << 24;

    private static int CheckSize(int size, int least) => size >= least && size <= MaxVocabSize ? size
        : throw new ArgumentException(FormattableString.Invariant($"--vocab-size must be from {least} to {MaxVocabSize:N0} for this type, got {size}."));
}
