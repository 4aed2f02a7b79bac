using EmbedSharp.Randomness;
using EmbedSharp.Study;

namespace EmbedSharp.Tests.Study;

public sealed class DataSplitTests
{
    private static readonly (int Id, string Label)[] Items =
        [.. Enumerable.Range(0, 1000).Select(i => (i, i % 10 < 7 ? "ham" : i % 10 < 9 ? "spam" : "other"))];

    [Fact]
    public void Each_class_keeps_its_proportion_within_one_item()
    {
        var split = DataSplit.Stratified(Items, x => x.Label, 0.25, new Generator(3));
        Assert.Equal(1000, split.Train.Count + split.Test.Count);
        Assert.Empty(split.Train.Select(x => x.Id).Intersect(split.Test.Select(x => x.Id)));
        foreach (var (label, total) in new[] { ("ham", 700), ("spam", 200), ("other", 100) })
        {
            var test = split.Test.Count(x => x.Label == label);
            Assert.InRange(test, (total * 0.25) - 1, (total * 0.25) + 1);
        }

        Assert.True(split.Test.Select(x => x.Id).SequenceEqual(split.Test.Select(x => x.Id).Order()), "the parts keep the original order");
    }

    [Fact]
    public void Same_seed_gives_the_same_split_and_another_seed_another()
    {
        var a = DataSplit.Stratified(Items, x => x.Label, 0.2, new Generator(0));
        var b = DataSplit.Stratified(Items, x => x.Label, 0.2, new Generator(0));
        var c = DataSplit.Stratified(Items, x => x.Label, 0.2, new Generator(1));
        Assert.Equal(a.Test, b.Test);
        Assert.Equal(a.Train, b.Train);
        Assert.NotEqual(a.Test, c.Test);
    }

    [Fact]
    public void Fractions_zero_and_one_and_bad_fractions()
    {
        Assert.Empty(DataSplit.Stratified(Items, x => x.Label, 0, new Generator(0)).Test);
        Assert.Empty(DataSplit.Stratified(Items, x => x.Label, 1, new Generator(0)).Train);
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Stratified(Items, x => x.Label, 1.5, new Generator(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Stratified(Items, x => x.Label, double.NaN, new Generator(0)));
    }
}
