namespace EmbedSharp.FastText;

/// <summary>
/// The Huffman tree of hierarchical softmax, built as fastText 0.9.2's <c>HierarchicalSoftmaxLoss::buildTree</c>:
/// leaves 0..n−1 are the words with counts sorted descending; inner nodes n..2n−2 are created in order, each joining
/// the two smallest of {the next unused leaf from the end (smallest count), the next unused inner node}, a leaf taken
/// only when its count is strictly below the inner node's (an unbuilt inner node counts 10¹⁵). The first pick is the
/// left child (code 0), the second the right child (code 1). A word's path lists its ancestors from its parent to
/// the root as output rows (node − n), with the code of the child on the path at each step.
/// Paths and codes are computed once and stored flat; n words use n − 1 output rows.
/// </summary>
internal sealed class HuffmanTree
{
    private readonly int[] _rows; // inner-node output rows of all paths, back to back
    private readonly bool[] _codes; // the matching codes (true = right child)
    private readonly int[] _starts; // (n + 1)

    private HuffmanTree(int[] rows, bool[] codes, int[] starts)
    {
        _rows = rows;
        _codes = codes;
        _starts = starts;
    }

    /// <summary>Number of leaves (words).</summary>
    public int LeafCount => _starts.Length - 1;

    /// <summary>The output rows of the inner nodes on the path of <paramref name="word"/>, from its parent to the root.</summary>
    public ReadOnlySpan<int> Path(int word) => _rows.AsSpan(_starts[word], _starts[word + 1] - _starts[word]);

    /// <summary>The binary codes along <see cref="Path"/>: true when the path goes through the node's right child.</summary>
    public ReadOnlySpan<bool> Code(int word) => _codes.AsSpan(_starts[word], _starts[word + 1] - _starts[word]);

    /// <summary>The longest path (tree depth).</summary>
    public int MaxDepth { get; private init; }

    /// <summary>Builds the tree over <paramref name="counts"/> (sorted descending, as the dictionary's words).</summary>
    /// <exception cref="ArgumentException">No counts.</exception>
    public static HuffmanTree Build(ReadOnlySpan<long> counts)
    {
        var n = counts.Length;
        if (n == 0)
        {
            throw new ArgumentException("A Huffman tree needs at least one word.", nameof(counts));
        }

        var size = (2 * n) - 1;
        var count = new long[size];
        var parent = new int[size];
        var right = new bool[size];
        Array.Fill(count, 1_000_000_000_000_000L);
        Array.Fill(parent, -1);
        counts.CopyTo(count);
        var leaf = n - 1;
        var node = n;
        for (var i = n; i < size; i++)
        {
            var first = leaf >= 0 && count[leaf] < count[node] ? leaf-- : node++;
            var second = leaf >= 0 && count[leaf] < count[node] ? leaf-- : node++;
            count[i] = count[first] + count[second];
            parent[first] = i;
            parent[second] = i;
            right[second] = true;
        }

        var starts = new int[n + 1];
        var rows = new List<int>();
        var codes = new List<bool>();
        var depth = 0;
        for (var w = 0; w < n; w++)
        {
            starts[w] = rows.Count;
            for (var j = w; parent[j] != -1; j = parent[j])
            {
                rows.Add(parent[j] - n);
                codes.Add(right[j]);
            }

            depth = Math.Max(depth, rows.Count - starts[w]);
        }

        starts[n] = rows.Count;
        return new HuffmanTree([.. rows], [.. codes], starts) { MaxDepth = depth };
    }
}
