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

    /// <summary>
    /// A shuffled order of <paramref name="items"/> whose every prefix is stratified: each class's items (classes in
    /// order of first appearance) are shuffled with <see cref="Generator.Randperm(Span{long})"/>, the item of rank r
    /// (0-based) in a class of N_c items gets the key (r + ½)/N_c, and the items are sorted by key (ties: the class that
    /// appeared first) — the Sainte-Laguë order. Taking the first n items then gives every class about n·N_c/N of them
    /// (within one for two classes), and the first n items are always inside the first m &gt; n: nested, stratified
    /// training subsets for a learning curve. Same items, labels and generator state → same order.
    /// </summary>
    public static IReadOnlyList<T> StratifiedOrder<T, TLabel>(IReadOnlyList<T> items, Func<T, TLabel> label, Generator generator)
        where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(generator);
        var classes = new Dictionary<TLabel, int>();
        var members = new List<List<int>>();
        for (var i = 0; i < items.Count; i++)
        {
            var key = label(items[i]);
            if (!classes.TryGetValue(key, out var c))
            {
                c = members.Count;
                classes.Add(key, c);
                members.Add([]);
            }

            members[c].Add(i);
        }

        var keyed = new List<(long Rank, int Class, int Item)>(items.Count);
        for (var c = 0; c < members.Count; c++)
        {
            var perm = new long[members[c].Count];
            generator.Randperm(perm);
            for (var r = 0; r < perm.Length; r++)
            {
                keyed.Add((r, c, members[c][(int)perm[r]]));
            }
        }

        // (2r + 1)/(2 N_c) compared exactly: (2r + 1)·N_d against (2s + 1)·N_c.
        keyed.Sort((x, y) =>
        {
            var left = ((2 * x.Rank) + 1) * members[y.Class].Count;
            var right = ((2 * y.Rank) + 1) * members[x.Class].Count;
            return left != right ? left.CompareTo(right) : x.Class.CompareTo(y.Class);
        });
        return [.. keyed.Select(k => items[k.Item])];
    }
}
