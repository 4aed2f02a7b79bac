using EmbedSharp.FastText;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.FastText;

/// <summary>The trainer's input-matrix start as an <see cref="InitSpec"/>: rows the corpus never reaches keep it.</summary>
public sealed class WordVectorInitSpecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-trainer-init-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FastTextOptions Options(InitSpec init) => new()
    {
        Dim = 8,
        Epoch = 1,
        Bucket = 20_000,
        Thread = 1,
        Seed = -3,
        MinCount = 1,
        Init = init,
    };

    /// <summary>Rows of the trained input matrix still equal to <paramref name="start"/> (those no word or n-gram reached).</summary>
    private static int Untouched(TrainedWordVectors trained, FloatTensor start) =>
        Enumerable.Range(0, (int)start.Shape[0]).Count(r => trained.Input.Row(r).SequenceEqual(start.Row(r)));

    [Fact]
    public void A_spec_other_than_fasttext_draws_the_whole_matrix_from_a_generator_seeded_with_the_unsigned_seed()
    {
        var corpus = TopicCorpus.Write(_dir, out _, 60);
        var spec = InitSpec.Uniform(-1.0 / 8, 1.0 / 8);
        var trained = new WordVectorTrainer(Options(spec)).Train(corpus);
        var start = spec.Apply(new FloatTensor(trained.Input.Shape[0], 8), new Generator(unchecked((ulong)(uint)-3)));
        var rows = trained.Input.Shape[0];
        Assert.True(Untouched(trained, start) > rows / 2, $"{Untouched(trained, start)} of {rows} rows kept the generator's draws");

        var xavier = InitSpec.XavierNormal(0.5);
        var other = new WordVectorTrainer(Options(xavier)).Train(corpus);
        var xavierStart = xavier.Apply(new FloatTensor(rows, 8), new Generator(unchecked((ulong)(uint)-3)));
        Assert.True(Untouched(other, xavierStart) > rows / 2, $"{Untouched(other, xavierStart)} of {rows} rows kept xavier_normal_'s draws");
        Assert.Equal(0, Untouched(other, start));
    }

    [Fact]
    public void Fasttext_is_the_default_and_null_is_refused()
    {
        Assert.Equal(InitSpec.FastText, new FastTextOptions().Init);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(new FastTextOptions { Init = null! }));
    }
}
