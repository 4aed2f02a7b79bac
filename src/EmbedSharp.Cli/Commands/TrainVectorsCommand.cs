using System.CommandLine;
using System.Globalization;
using EmbedSharp.FastText;
using EmbedSharp.Initialization;
using Spectre.Console;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp train-vectors CORPUS …</c>: skip-gram or CBOW word vectors with subwords, fastText's options.</summary>
internal static class TrainVectorsCommand
{
    public static Command Create()
    {
        var corpus = new Argument<string>("CORPUS") { Description = "A text file (tokens separated by whitespace, one sentence per line), or - for standard input; standard input or a pipe is copied to a temporary file while counting (deleted at the end)." };
        var model = new Option<string>("--model") { Description = "skipgram or cbow.", DefaultValueFactory = _ => "skipgram" };
        var loss = new Option<string>("--loss") { Description = "ns (negative sampling), hs (hierarchical softmax) or softmax.", DefaultValueFactory = _ => "ns" };
        var defaults = FastTextOptions.Unsupervised();
        var dim = new Option<int>("--dim") { Description = "Vector size.", DefaultValueFactory = _ => defaults.Dim };
        var epoch = new Option<int>("--epoch") { Description = "Passes over the corpus.", DefaultValueFactory = _ => defaults.Epoch };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate (decays linearly to 0).", DefaultValueFactory = _ => defaults.Lr };
        var ws = new Option<int>("--ws") { Description = "Context window size.", DefaultValueFactory = _ => defaults.Ws };
        var neg = new Option<int>("--neg") { Description = "Negatives sampled per positive.", DefaultValueFactory = _ => defaults.Neg };
        var minCount = new Option<int>("--min-count") { Description = "Minimal word count.", DefaultValueFactory = _ => defaults.MinCount };
        var minn = new Option<int>("--minn") { Description = "Minimal character n-gram length (0 with --maxn 0: no subwords).", DefaultValueFactory = _ => defaults.Minn };
        var maxn = new Option<int>("--maxn") { Description = "Maximal character n-gram length.", DefaultValueFactory = _ => defaults.Maxn };
        var bucket = new Option<int>("--bucket") { Description = "Hash buckets for n-grams.", DefaultValueFactory = _ => defaults.Bucket };
        var t = new Option<double>("--t") { Description = "Subsampling threshold.", DefaultValueFactory = _ => defaults.T };
        var thread = SharedOptions.Threads("Worker threads (1 with a fixed --seed is deterministic).");
        var seed = SharedOptions.Seed("Seed.");
        var init = new Option<string>("--init") { Description = "Input-matrix start: fasttext (fastText's values bit for bit: random in the first --thread tenths of the matrix, zero after) or uniform (random everywhere).", DefaultValueFactory = _ => "fasttext" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Write the training state to this file at the end of every epoch (atomically)." };
        var resume = new Option<string?>("--resume") { Description = "Go on from this checkpoint (same corpus); its options replace the hyper-parameter options, and new checkpoints go to --checkpoint or, by default, to this file." };
        var output = SharedOptions.OutPrefix("Output prefix: writes PREFIX.vec and PREFIX.bin.");
        var command = new Command("train-vectors", "Train word vectors (fastText's skip-gram/CBOW with character n-grams); writes PREFIX.vec and PREFIX.bin.")
        {
            corpus, model, loss, dim, epoch, lr, ws, neg, minCount, minn, maxn, bucket, t, thread, seed, init, checkpoint, resume, output,
        };
        command.SetAction(r => CliErrors.Run(() =>
        {
            var options = new FastTextOptions
            {
                Model = new Choices<FastTextModelKind>(("skipgram|skip-gram", FastTextModelKind.SkipGram), ("cbow", FastTextModelKind.Cbow))
                    .Parse(r.GetValue(model)!, "--model"),
                Loss = new Choices<FastTextLoss>(("ns", FastTextLoss.NegativeSampling), ("hs", FastTextLoss.HierarchicalSoftmax), ("softmax", FastTextLoss.Softmax))
                    .Parse(r.GetValue(loss)!, "--loss"),
                Dim = r.GetValue(dim),
                Epoch = r.GetValue(epoch),
                Lr = r.GetValue(lr),
                Ws = r.GetValue(ws),
                Neg = r.GetValue(neg),
                MinCount = r.GetValue(minCount),
                Minn = r.GetValue(minn),
                Maxn = r.GetValue(maxn),
                Bucket = r.GetValue(bucket),
                T = r.GetValue(t),
                Thread = r.GetValue(thread),
                Seed = r.GetInt32Seed(seed),
                Init = new Choices<InitSpec>(("fasttext", InitSpec.FastText), ("uniform", InitSpec.Uniform(-1.0 / r.GetValue(dim), 1.0 / r.GetValue(dim))))
                    .Parse(r.GetValue(init)!, "--init"),
            };
            var resumeFrom = r.GetValue(resume);
            if (resumeFrom is not null)
            {
                options = WordVectorTrainer.ReadCheckpointOptions(resumeFrom);
            }

            // every option is checked before any work, and named as typed
            ValidateAsTyped(options, resumeFrom is null ? null : $"the checkpoint '{resumeFrom}'");
            var trainer = new WordVectorTrainer(options) { CheckpointPath = r.GetValue(checkpoint) ?? resumeFrom };
            var path = r.GetValue(corpus)!;
            TrainedWordVectors Run(IProgress<TrainingProgress>? progress)
            {
                if (path == "-")
                {
                    using var stdin = Console.OpenStandardInput();
                    return resumeFrom is null ? trainer.Train(stdin, progress) : trainer.Resume(resumeFrom, stdin, progress);
                }

                if (File.Exists(path))
                {
                    // A pipe or FIFO (e.g. <(zcat corpus.gz)) is read once, like standard input: copied to a temporary
                    // file while counting. A regular file is trained on in place (and a device refused by the trainer).
                    using (var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
                    {
                        if (!probe.CanSeek)
                        {
                            return resumeFrom is null ? trainer.Train(probe, progress) : trainer.Resume(resumeFrom, probe, progress);
                        }
                    }
                }

                return resumeFrom is null ? trainer.Train(path, progress) : trainer.Resume(resumeFrom, path, progress);
            }

            TrainedWordVectors? result = null;
            if (Console.IsErrorRedirected)
            {
                result = Run(null);
            }
            else
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("training", maxValue: 1.0);
                        var progress = new Progress<TrainingProgress>(p =>
                        {
                            task.Value = p.Progress;
                            task.Description = string.Create(CultureInfo.InvariantCulture,
                                $"words/s/thread {p.WordsPerSecondPerThread:0} lr {p.LearningRate:0.000000} loss {p.Loss:0.000000}");
                        });
                        result = Run(progress);
                        task.Value = 1.0;
                    });
            }

            var prefix = r.GetValue(output)!;
            result!.SaveVec(prefix + ".vec");
            result.SaveBin(prefix + ".bin");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Dictionary.WordCount} words × {options.Dim}, {result.ProcessedTokens} tokens in {result.TrainingTime.TotalSeconds:0.0} s ({result.ProcessedTokens / Math.Max(1e-9, result.TrainingTime.TotalSeconds) / options.Thread:0} words/s/thread) → {prefix}.vec, {prefix}.bin"));
        }));
        return command;
    }

    /// <summary>The CLI's spelling of each option <see cref="FastTextOptions.Validate"/> may name.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [nameof(FastTextOptions.Dim)] = "--dim",
        [nameof(FastTextOptions.Epoch)] = "--epoch",
        [nameof(FastTextOptions.Lr)] = "--lr",
        [nameof(FastTextOptions.Ws)] = "--ws",
        [nameof(FastTextOptions.Neg)] = "--neg",
        [nameof(FastTextOptions.MinCount)] = "--min-count",
        [nameof(FastTextOptions.Minn)] = "--minn",
        [nameof(FastTextOptions.Maxn)] = "--maxn",
        [nameof(FastTextOptions.Bucket)] = "--bucket",
        [nameof(FastTextOptions.T)] = "--t",
        [nameof(FastTextOptions.Thread)] = "--thread",
        [nameof(FastTextOptions.WordNgrams)] = "--word-ngrams",
        [nameof(FastTextOptions.Model)] = "--model",
        [nameof(FastTextOptions.Loss)] = "--loss",
        [nameof(FastTextOptions.Optimizer)] = "--optimizer",
    };

    /// <summary>Validates <paramref name="options"/> (before any file is read) and reports a value out of bounds as one
    /// line naming the option as the user typed it ("--neg must be between 1 and 1,000 (was 2147483647)."), or, when the
    /// options come from a checkpoint (<paramref name="source"/>), naming that file.</summary>
    internal static void ValidateAsTyped(FastTextOptions options, string? source = null)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            message = cut >= 0 ? message[..cut] : message;
            if (source is not null)
            {
                throw new ArgumentException($"{source} holds options out of bounds: {message}", e);
            }

            if (e.ParamName is { } name && Flags.TryGetValue(name, out var flag) && message.StartsWith(name, StringComparison.Ordinal))
            {
                message = flag + message[name.Length..];
            }

            throw new ArgumentException(message, e);
        }
    }
}
