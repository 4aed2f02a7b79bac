#:project ../../src/EmbedSharp/EmbedSharp.csproj
#:project ../../src/EmbedSharp.Study/EmbedSharp.Study.csproj
#:property TreatWarningsAsErrors=false
#:property PublishAot=false
// Benchmark driver for trainer_vs_fasttext.py: `dotnet run train_vectors.cs -- sotu OUT.txt` writes the SOTU corpus;
// `dotnet run train_vectors.cs -- train CORPUS skipgram|cbow THREADS MINN MAXN OUTPREFIX [SEED]` trains and prints
// "words/sec/thread: N" like fastText's progress line.
using System.Globalization;
using EmbedSharp.Study.Data;
using EmbedSharp.FastText;

if (args[0] == "sotu")
{
    var n = SotuCorpus.Fetch(new DatasetCache()).WriteText(args[1]);
    Console.WriteLine($"wrote {n} to {args[1]}");
    return;
}

var options = new FastTextOptions
{
    Model = args[2] == "cbow" ? FastTextModelKind.Cbow : FastTextModelKind.SkipGram,
    Thread = int.Parse(args[3], CultureInfo.InvariantCulture),
    Minn = int.Parse(args[4], CultureInfo.InvariantCulture),
    Maxn = int.Parse(args[5], CultureInfo.InvariantCulture),
    Dim = 100, Epoch = 5, Ws = 5, Neg = 5, MinCount = 5,
    Seed = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 0,
};
var result = new WordVectorTrainer(options).Train(args[1]);
var wst = result.ProcessedTokens / result.TrainingTime.TotalSeconds / options.Thread;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"words/sec/thread: {wst:F0} train_seconds: {result.TrainingTime.TotalSeconds:F2} words: {result.Dictionary.WordCount}"));
result.SaveVec(args[6] + ".vec");
