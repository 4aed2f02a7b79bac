using EmbedSharp.Numerics;
using EmbedSharp.Vectors;

namespace EmbedSharp.Tests.Vectors;

public sealed class WordVectorsTests
{
    [Fact]
    public void Words_map_to_their_rows()
    {
        var wv = new WordVectors(["king", "queen"], FloatTensor.FromArray([1f, 2f, 3f, 4f], 2, 2));
        Assert.Equal(2, wv.Count);
        Assert.Equal(2, wv.Dimension);
        Assert.Equal([3f, 4f], wv["queen"].ToArray());
        Assert.Equal(-1, wv.IndexOf("prince"));
        Assert.False(wv.Contains("King"));
        Assert.Contains("prince", Assert.Throws<KeyNotFoundException>(() => wv["prince"].ToArray()).Message, StringComparison.Ordinal);
        var buffer = new float[2];
        Assert.True(wv.TryGetVector("king", buffer));
        Assert.Equal([1f, 2f], buffer);
    }

    [Fact]
    public void Duplicates_and_mismatched_shapes_are_refused()
    {
        Assert.Contains("rows 0 and 1", Assert.Throws<ArgumentException>(() => new WordVectors(["a", "a"], new FloatTensor(2, 3))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new WordVectors(["a"], new FloatTensor(2, 3)));
        Assert.Throws<ArgumentException>(() => new WordVectors(["a"], new FloatTensor(1, 3, 1)));
    }
}
