using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

/// <summary>Made-up study results with known shapes: exponential loss curves, chosen accuracies, chosen table statistics.</summary>
internal static class SyntheticStudy
{
    public const string Fingerprint = "test-fingerprint";

    public static StudySetup Setup(int epochs = 4) => new()
    {
        Preset = StudyPreset.Quick,
        Data = "synthetic mails",
        TrainCount = 800,
        TestCount = 200,
        ClassCount = 2,
        VocabularySize = 1234,
        Dim = 16,
        Epochs = epochs,
        LearningRate = 0.2,
        LogEvery = 100,
        TargetLoss = 0.2,
        Seeds = [0, 1],
    };

    /// <summary>A run whose loss decays as start·exp(−step/tau) towards floor; accuracy rises to finalAccuracy.</summary>
    public static RunResult Run(string scheme, int seed, double tau, double finalAccuracy, double start = 0.69, double floor = 0.05,
        double rowNorm = 0.1, int distinctRows = 1000, bool trained = true, int epochs = 4, int stepsPerEpoch = 800, double? coverage = null,
        bool diverge = false)
    {
        var steps = new List<StepRecord>();
        var epochRecords = new List<EpochRecord>();
        for (var e = 1; e <= epochs; e++)
        {
            for (long s = ((e - 1) * stepsPerEpoch) + 100; s <= e * stepsPerEpoch; s += 100)
            {
                var loss = diverge && s > stepsPerEpoch ? double.NaN : floor + ((start - floor) * Math.Exp(-s / tau)) + (seed * 0.001);
                steps.Add(new StepRecord(s, (double)s / stepsPerEpoch, loss, 0.2 * (1 - ((double)s / (epochs * stepsPerEpoch))), trained ? 1.0 / (1 + (s / tau)) : 0, s * 0.001));
            }

            var acc = 0.5 + ((finalAccuracy - 0.5) * e / epochs) + (seed * 0.002);
            var trainLoss = steps.Where(x => x.Step > (e - 1) * stepsPerEpoch && x.Step <= e * stepsPerEpoch).Average(x => x.Loss);
            epochRecords.Add(new EpochRecord(e, e * stepsPerEpoch, trainLoss, acc, diverge && e > 1 ? double.NaN : 1 - acc, e * 0.9));
        }

        return new RunResult
        {
            Scheme = scheme,
            Seed = seed,
            Fingerprint = Fingerprint,
            TrainCount = 800,
            TestCount = 200,
            VocabularySize = 1234,
            Dim = 16,
            EmbeddingTrained = trained,
            InitialTable = new TableStats(0, rowNorm / 4, rowNorm, distinctRows),
            FinalTable = new TableStats(0, 0.3, 1.2, 1000),
            Steps = steps,
            Epochs = epochRecords,
            WallSeconds = 3.5 + seed,
            PretrainedCoverage = coverage,
        };
    }

    /// <summary>Fourteen schemes × two seeds: zeros symmetric and slow, normal(0,1) with big rows and slow, a few
    /// fast ones, pretrained frozen below fine-tuned, xavier never reaching the target.</summary>
    public static StudyResults Full(int seeds = 2)
    {
        var runs = new List<RunResult>();
        for (var index = 0; index < EmbeddingInit.All.Count; index++)
        {
            var scheme = EmbeddingInit.All[index];
            for (var seed = 0; seed < seeds; seed++)
            {
                var name = scheme.Name;
                runs.Add(name switch
                {
                    "zeros" => Run(name, seed, tau: 1500, finalAccuracy: 0.93, rowNorm: 0, distinctRows: 1),
                    "constant" => Run(name, seed, tau: 1400, finalAccuracy: 0.935, rowNorm: 0.04, distinctRows: 1),
                    "normal" => Run(name, seed, tau: 2500, finalAccuracy: 0.90, start: 2.5, rowNorm: 4.0),
                    "xavier-uniform" => Run(name, seed, tau: 900, finalAccuracy: 0.95, floor: 0.25),
                    "pretrained-frozen" => Run(name, seed, tau: 600, finalAccuracy: 0.94, trained: false, coverage: 0.62),
                    "pretrained-finetuned" => Run(name, seed, tau: 300, finalAccuracy: 0.975, coverage: 0.62),
                    "kaiming-uniform" => Run(name, seed, tau: 250, finalAccuracy: 0.97),
                    _ => Run(name, seed, tau: 400 + (10 * index), finalAccuracy: 0.96),
                });
            }
        }

        return StudyResults.Create(Setup(), runs);
    }
}
