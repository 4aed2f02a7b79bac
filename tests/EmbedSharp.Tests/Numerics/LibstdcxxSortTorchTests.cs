using System.Text.Json;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics;

/// <summary>LibstdcxxSort against torch 1.13's <c>sort(0)</c> permutations (the order <c>coalesce()</c> sums in).</summary>
public class LibstdcxxSortTorchTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "optim", "sort.json"))));

    public static TheoryData<int> Cases() => [.. Enumerable.Range(0, Golden.Value.RootElement.GetProperty("sorts").GetArrayLength())];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equal_keys_end_in_the_order_torch_sort_leaves_them(int index)
    {
        var c = Golden.Value.RootElement.GetProperty("sorts")[index];
        var keys = c.GetProperty("keys").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var expected = c.GetProperty("permutation").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var sortedKeys = (long[])keys.Clone();
        var actual = Enumerable.Range(0, keys.Length).ToArray();

        LibstdcxxSort.Sort(sortedKeys, actual);

        Assert.Equal(expected, actual);
        var generic = Enumerable.Range(0, keys.Length).ToArray();
        LibstdcxxSort.SortGeneric((long[])keys.Clone(), generic);
        Assert.Equal(expected, generic);
        if (keys.Length > 16 && keys.Distinct().Count() < keys.Length)
        {
            // Beyond 16 items the order is not input order: the golden would not catch a stable sort otherwise.
            var stable = Enumerable.Range(0, keys.Length).OrderBy(i => keys[i]).ToArray();
            Assert.NotEqual(stable, expected);
        }
    }
}
