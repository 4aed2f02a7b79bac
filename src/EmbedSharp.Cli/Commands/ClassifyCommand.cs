using System.CommandLine;
using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using Spectre.Console;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp classify train|test|predict</c>: the fastText-style text classifier on fastText's
/// <c>__label__</c> files, mirroring <c>fasttext supervised</c>, <c>fasttext test</c> and <c>fasttext predict</c>.</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var command = new Command("classify", "fastText-style text classifier (EmbeddingBag mean → Linear → softmax): train, test, predict.");
        command.Subcommands.Add(CreateTrain());
        command.Subcommands.Add(CreateTest());
        command.Subcommands.Add(CreatePredict());
        return command;
    }

    private static Command CreateTrain()
    {
        var defaults = FastTextOptions.Supervised();
        var input = new Option<FileInfo>("--input") { Description = "Training file: one example per line, '__label__X words…'.", Required = true };
        var output = new Option<string>("--output") { Description = "Model file to write (safetensors with vocabulary and labels).", Required = true };
        var dim = new Option<int>("--dim") { Description = "Embedding size.", DefaultValueFactory = _ => defaults.Dim };
        var epoch = new Option<int>("--epoch") { Description = "Passes over the training file.", DefaultValueFactory = _ => defaults.Epoch };
        var lr = new Option<double>("--lr") { Description = "Initial learning rate (decays linearly to 0).", DefaultValueFactory = _ => defaults.Lr };
        var ngrams = new Option<int>("--word-ngrams") { Description = "Longest word n-gram (1: words only).", DefaultValueFactory = _ => defaults.WordNgrams };
        var bucket = new Option<int>("--bucket") { Description = "Hash buckets for word n-grams (unused with --word-ngrams 1).", DefaultValueFactory = _ => defaults.Bucket };
        var minCount = new Option<int>("--min-count") { Description = "Minimal word count.", DefaultValueFactory = _ => defaults.MinCount };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd (fastText's update) or adam (SparseAdam on the table, Adam on the output).", DefaultValueFactory = _ => "sgd" };
        var seed = SharedOptions.Seed("Seed of the initialisation and of the example order.");
        var command = new Command("train", "Train a classifier (fasttext supervised -input F -output M; single thread, deterministic for a seed).")
        {
            input, output, dim, epoch, lr, ngrams, bucket, minCount, optimizer, seed,
        };
        command.SetAction(r => CliErrors.Run(() =>
        {
            var options = defaults with
            {
                Dim = r.GetValue(dim),
                Epoch = r.GetValue(epoch),
                Lr = r.GetValue(lr),
                WordNgrams = r.GetValue(ngrams),
                Bucket = r.GetValue(bucket),
                MinCount = r.GetValue(minCount),
                Optimizer = Kebab.Parse<ClassifierOptimizer>(r.GetValue(optimizer)!, "--optimizer"),
            };
            TrainVectorsCommand.ValidateAsTyped(options);
            var path = r.GetValue(input)!.FullName;
            var train = ClassificationDataset.FromFastTextFile(path, options);
            var generator = new Generator(r.GetSeed(seed));
            var model = new TextClassifier(train.Featurizer, train.LabelNames, options.Dim, generator);
            ClassifierTrainingResult? result = null;
            if (Console.IsErrorRedirected)
            {
                result = ClassifierTrainer.Train(model, train, options, generator);
            }
            else
            {
                var total = (double)train.Count * options.Epoch;
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
                console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("training", maxValue: 1.0);
                        result = ClassifierTrainer.Train(model, train, options, generator, s =>
                        {
                            task.Value = s.Step / total;
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {s.Epoch + 1} lr {s.Lr:0.000000} loss {s.Loss:0.000000}");
                        });
                        task.Value = 1.0;
                    });
            }

            var modelPath = r.GetValue(output)!;
            model.Save(modelPath);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{train.Count} examples, {train.Featurizer.Words.Count} words, {train.LabelNames.Count} labels; {result!.Tokens} tokens in {result.Elapsed.TotalSeconds:0.00} s ({result.TokensPerSecond:0} words/s/thread), last epoch loss {result.LastEpochLoss:0.000000} → {modelPath}"));
        }));
        return command;
    }

    private static Command CreateTest()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "A model written by 'classify train'." };
        var file = new Argument<FileInfo>("FILE") { Description = "Test file in the training format." };
        var k = new Option<int>("--k") { Description = "Labels predicted per example.", DefaultValueFactory = _ => 1 };
        var command = new Command("test", "Evaluate a model (fasttext test M F k): prints N, P@k, R@k, then accuracy and mean loss.") { model, file, k };
        command.SetAction(r => CliErrors.Run(() =>
        {
            var kk = CheckK(r.GetValue(k));
            var classifier = TextClassifier.FromFile(r.GetValue(model)!.FullName);
            var data = ClassificationDataset.FromFastTextFile(r.GetValue(file)!.FullName, classifier.Featurizer, classifier.LabelNames);
            var m = ClassifierEvaluator.Evaluate(classifier, data, kk);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"N\t{m.Examples}\nP@{kk}\t{m.PrecisionAtK:0.000}\nR@{kk}\t{m.RecallAtK:0.000}\nAccuracy\t{m.Accuracy:0.0000}\nLoss\t{m.MeanLoss:0.000000}"));
        }));
        return command;
    }

    private static Command CreatePredict()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "A model written by 'classify train'." };
        var file = new Argument<string>("FILE") { Description = "Text to classify, one example per line ('-' reads stdin); __label__ tokens are ignored." };
        var k = new Option<int>("--k") { Description = "Labels predicted per line.", DefaultValueFactory = _ => 1 };
        var prob = new Option<bool>("--prob") { Description = "Print each label's probability after it (fasttext predict-prob)." };
        var command = new Command("predict", "Print the k most likely labels of each line (fasttext predict M F k).") { model, file, k, prob };
        command.SetAction(r => CliErrors.Run(() =>
        {
            var kk = CheckK(r.GetValue(k));
            var classifier = TextClassifier.FromFile(r.GetValue(model)!.FullName);
            var path = r.GetValue(file)!;
            var lines = path == "-" ? ClassificationDataset.ReadLines(Console.In, "standard input") : ClassificationDataset.ReadLines(path);
            var withProb = r.GetValue(prob);
            var labels = new List<string>();
            var words = new List<string>();
            var sb = new StringBuilder();
            foreach (var line in lines)
            {
                labels.Clear();
                words.Clear();
                ClassificationDataset.ParseFastTextLine(line, labels, words);
                sb.Clear();
                foreach (var p in classifier.Predict(words, kk))
                {
                    sb.Append(sb.Length > 0 ? " " : "").Append(ClassificationDataset.LabelPrefix).Append(p.Name);
                    if (withProb)
                    {
                        sb.Append(' ').Append(p.Probability.ToString("0.#####", CultureInfo.InvariantCulture));
                    }
                }

                Console.WriteLine(sb.ToString());
            }
        }));
        return command;
    }

    private static int CheckK(int k) => k >= 1 ? k : throw new ArgumentException($"--k must be at least 1; got {k}.");
}
