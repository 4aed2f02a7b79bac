using System.Security.Cryptography;
using System.Text.Json;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Parity;


/// <summary>
/// PyTorch 2.x goldens made by libtorch 2.10 (tools/goldens/make_torch2.py through tools/goldens/torch2/run.sh):
/// <c>torch.randperm(n)</c> around the 214,748,364 switch to the inside-out shuffle, with the generator set to
/// <see cref="PyTorchVersion.V2"/> (the default) and to <see cref="PyTorchVersion.V1_13"/>.
/// </summary>
public sealed class Torch2ParityTests
{
    private static readonly Lazy<JsonDocument> Randperm = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "init", "torch2_randperm.json"))));

    public static TheoryData<int> RandpermCases() => [.. Enumerable.Range(0, Randperm.Value.RootElement.GetProperty("cases").GetArrayLength())];

    [Theory]
    [MemberData(nameof(RandpermCases))]
    public void Randperm_equals_libtorch_2_10_on_both_sides_of_the_switch(int index)
    {
        var c = Randperm.Value.RootElement.GetProperty("cases")[index];
        var n = c.GetProperty("n").GetInt32();
        if (n > 1_000_000 && Environment.GetEnvironmentVariable("EMBEDSHARP_LARGE_TESTS") != "1")
        {
            // About 1.7 GB and a minute of random memory access: opt-in (EMBEDSHARP_LARGE_TESTS=1). The small case and
            // the switch rule below always run.
            return;
        }

        var perm = new long[n];
        new Generator(c.GetProperty("seed").GetInt64()).Randperm(perm);
        var first = c.GetProperty("first").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var last = c.GetProperty("last").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(first, perm[..first.Length]);
        Assert.Equal(last, perm[^last.Length..]);
        var bytes = new byte[(long)n * 8];
        Buffer.BlockCopy(perm, 0, bytes, 0, bytes.Length);
        Assert.Equal(c.GetProperty("sha256_int64_le").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public void Randperm_switches_shuffle_at_214748364_only_for_version_2()
    {
        Assert.Equal(214_748_364, Distributions.RandpermInsideOutThreshold);
        Assert.Equal(PyTorchVersion.V2, new Generator(1).Version);

        // The inside-out shuffle draws 2 per element (random64), the swap shuffle 1 per element but the last.
        var small = new long[1000];
        var v2 = new Generator(42);
        var v1 = new Generator(42) { Version = PyTorchVersion.V1_13 };
        v2.Randperm(small);
        var copy = new long[1000];
        v1.Randperm(copy);
        Assert.Equal(copy, small); // below the switch both versions agree
        Assert.Equal(v1.Random(), v2.Random());

        var g = new Generator(7);
        var perm = new long[50];
        Distributions.RandpermInsideOut(g, perm);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), perm.Order());
        var reference = new Generator(7);
        for (var i = 0; i < 100; i++)
        {
            reference.Random();
        }

        Assert.Equal(reference.Random(), g.Random());
        Assert.Equal(PyTorchVersion.V1_13, new Generator(3) { Version = PyTorchVersion.V1_13 }.Clone().Version);
    }
}
