using EmbedSharp.Randomness;

namespace EmbedSharp.Study;

/// <summary>A train/test split: both parts keep the items' original order.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Train">Items for training.</param>
/// <param name="Test">Items held out for testing.</param>
public sealed record DataSplit<T>(IReadOnlyList<T> Train, IReadOnlyList<T> Test);

/// <summary>Seeded train/test splits.</summary>
public static class DataSplit
{
    /// <summary>
    /// Stratified split: for each class (in order of first appearance), its item positions are shuffled with
    /// <see cref="Generator.Randperm(Span{long})"/> and the first round(count · testFraction) go to the test part, so every
    /// class keeps its proportion within one item. Same items, labels, fraction and generator state → same split.
    /// sklearn: <c>train_test_split(…, stratify=y)</c> (not the same draws).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is outside [0, 1].</exception>
    public static DataSplit<T> Stratified<T, TLabel>(IReadOnlyList<T> items, Func<T, TLabel> label, double testFraction, Generator generator)
        where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(generator);
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"The test fraction must be in [0, 1]; got {testFraction}.");
        }

        var classes = new Dictionary<TLabel, List<int>>();
        var order = new List<List<int>>();
        for (var i = 0; i < items.Count; i++)
        {
            var key = label(items[i]);
            if (!classes.TryGetValue(key, out var members))
            {
                members = [];
                classes.Add(key, members);
                order.Add(members);
            }

            members.Add(i);
        }

        var isTest = new bool[items.Count];
        foreach (var members in order)
        {
            var perm = new long[members.Count];
            generator.Randperm(perm);
            var testCount = (int)Math.Round(members.Count * testFraction, MidpointRounding.ToEven);
            for (var j = 0; j < testCount; j++)
            {
                isTest[members[(int)perm[j]]] = true;
            }
        }

        var train = new List<T>(items.Count);
        var test = new List<T>();
        for (var i = 0; i < items.Count; i++)
        {
            (isTest[i] ? test : train).Add(items[i]);
        }

        return new DataSplit<T>(train, test);
    }
}
