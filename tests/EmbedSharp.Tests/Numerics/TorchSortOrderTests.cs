using System.Text.Json;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics;

public class TorchSortOrderTests
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
        var items = keys.Select((k, i) => ((ulong)k << 32) | (uint)i).ToArray();

        TorchSortOrder.Sort(items, 32);

        var actual = items.Select(x => (int)(uint)x).ToArray();
        Assert.Equal(expected, actual);
        if (keys.Length > 16 && keys.Distinct().Count() < keys.Length)
        {
            // Beyond 16 items the order is not input order: the golden would not catch a stable sort otherwise.
            var stable = Enumerable.Range(0, keys.Length).OrderBy(i => keys[i]).ToArray();
            Assert.NotEqual(stable, expected);
        }
    }

    [Fact]
    public void Adversarial_inputs_come_out_sorted_and_a_permutation()
    {
        // Organ-pipe and sawtooth inputs drive the introsort deep enough to reach its heap-sort fallback on some ranges.
        foreach (var n in new[] { 0, 1, 2, 17, 100, 4097 })
        {
            foreach (var pattern in new Func<int, long>[] { i => Math.Min(i, n - i), i => i % 7, i => n - i, i => (i * 7919L) % 101 })
            {
                var items = Enumerable.Range(0, n).Select(i => ((ulong)pattern(i) << 20) | (uint)i).ToArray();
                TorchSortOrder.Sort(items, 20);
                for (var i = 1; i < n; i++)
                {
                    Assert.True(items[i - 1] >> 20 <= items[i] >> 20);
                }

                Assert.Equal(Enumerable.Range(0, n), items.Select(x => (int)(x & 0xFFFFF)).Order());
            }
        }
    }
}
