using EmbedSharp.FastText;

namespace EmbedSharp.Tests.FastText;

/// <summary>The single options type: fastText's defaults per command, each path's checks, and what a .bin keeps.</summary>
public sealed class FastTextOptionsTests
{
    [Fact]
    public void The_unsupervised_preset_is_fasttexts_args_defaults()
    {
        var o = FastTextOptions.Unsupervised();
        Assert.Equal(new FastTextOptions(), o);
        Assert.Equal(FastTextModelKind.SkipGram, o.Model);
        Assert.Equal(FastTextLoss.NegativeSampling, o.Loss);
        Assert.Equal(
            (100, 5, 0.05, 5, 5, 5, 3, 6, 2_000_000, 1e-4, 100, 12, 0, 1, 30_000_000),
            (o.Dim, o.Epoch, o.Lr, o.Ws, o.Neg, o.MinCount, o.Minn, o.Maxn, o.Bucket, o.T, o.LrUpdateRate, o.Thread, o.Seed, o.WordNgrams, o.MaxVocabSize));
        Assert.Equal(FastTextModelKind.Cbow, FastTextOptions.Unsupervised(FastTextModelKind.Cbow).Model);
        Assert.Throws<ArgumentOutOfRangeException>(() => FastTextOptions.Unsupervised(FastTextModelKind.Supervised));
        o.Validate();
    }

    [Fact]
    public void The_supervised_preset_has_the_classifiers_defaults()
    {
        var o = FastTextOptions.Supervised();
        Assert.Equal(FastTextModelKind.Supervised, o.Model);
        Assert.Equal(FastTextLoss.Softmax, o.Loss);
        Assert.Equal((100, 5, 0.1, 1, 2_000_000, 1, 0), (o.Dim, o.Epoch, o.Lr, o.WordNgrams, o.Bucket, o.MinCount, o.Maxn));
        Assert.Equal((ClassifierOptimizer.Sgd, 100), (o.Optimizer, o.LogEvery));
        Assert.Equal(0, o.EffectiveBucket); // fastText: wordNgrams 1 and maxn 0 use no bucket
        Assert.Equal(2_000_000, (o with { WordNgrams = 2 }).EffectiveBucket);
        o.Validate();
    }

    [Fact]
    public void The_word_vector_trainer_rejects_what_it_does_not_implement()
    {
        Assert.Equal("Loss", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(new FastTextOptions { Loss = FastTextLoss.OneVsAll })).ParamName);
        Assert.Equal("Model", Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(FastTextOptions.Supervised())).ParamName);
        Assert.Equal("Lr", Assert.Throws<ArgumentOutOfRangeException>(() => new FastTextOptions { Lr = 0 }.Validate()).ParamName);
    }

    [Fact]
    public void The_classifier_takes_supervised_options_only()
    {
        LabeledText[] examples = [new("a b", 0), new("b c", 1)];
        Assert.Equal("Model", Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationDataset.Build(examples, ["x", "y"], new FastTextOptions())).ParamName);
        Assert.Equal("Loss", Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationDataset.Build(examples, ["x", "y"], FastTextOptions.Supervised() with { Loss = FastTextLoss.NegativeSampling })).ParamName);
        Assert.Equal("Maxn", Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationDataset.Build(examples, ["x", "y"], FastTextOptions.Supervised() with { Maxn = 6 })).ParamName);
        (FastTextOptions.Supervised() with { Lr = 0 }).Validate(); // the classifier allows a zero learning rate
        Assert.Equal(2, ClassificationDataset.Build(examples, ["x", "y"], FastTextOptions.Supervised()).Count);
    }

    [Fact]
    public void A_bin_keeps_the_thirteen_stored_values_and_reads_fasttexts_defaults_for_the_rest()
    {
        var scratch = FastTextFixtures.Scratch();
        var tuned = scratch.Args with { Lr = 0.3, Thread = 1, Seed = 9, LogEvery = 7 };
        var model = new FastTextModel(tuned, scratch.Entries, scratch.TokenCount, scratch.Input, scratch.Output);
        Assert.Equal(tuned, model.Args);
        using var stream = new MemoryStream();
        FastTextBinFile.Write(stream, model);
        stream.Position = 0;
        Assert.Equal(scratch.Args, FastTextBinFile.Read(stream).Args);
    }
}
