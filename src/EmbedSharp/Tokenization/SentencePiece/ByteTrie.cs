namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// An immutable trie over UTF-8 byte strings with an int value per key, stored flat: node n's children are the edges
/// <c>edgeStart[n]..edgeStart[n+1]</c>, sorted by label; the root has a direct 256-entry table. Lookups allocate nothing.
/// </summary>
internal sealed class ByteTrie
{
    private readonly int[] rootChildren;   // (256) child node of the root per byte, −1 if none
    private readonly int[] edgeStart;      // (nodes + 1) first edge of each node
    private readonly byte[] edgeLabels;    // (edges) sorted per node
    private readonly int[] edgeTargets;    // (edges)
    private readonly int[] values;         // (nodes) value of the key ending here, −1 if none

    private ByteTrie(int[] rootChildren, int[] edgeStart, byte[] edgeLabels, int[] edgeTargets, int[] values)
    {
        this.rootChildren = rootChildren;
        this.edgeStart = edgeStart;
        this.edgeLabels = edgeLabels;
        this.edgeTargets = edgeTargets;
        this.values = values;
    }

    /// <summary>The root node (index 0).</summary>
    public const int Root = 0;

    /// <summary>Whether the trie holds no key.</summary>
    public bool IsEmpty => values.Length == 1 && values[0] < 0 && edgeStart[1] == 0;

    /// <summary>Builds a trie from (key, value) pairs; keys must be non-empty and distinct.</summary>
    public static ByteTrie Build(IReadOnlyList<(byte[] Key, int Value)> entries)
    {
        // Temporary pointer trie, then flattened breadth-first so a node's children are contiguous.
        var children = new List<SortedList<byte, int>> { new() };
        var nodeValues = new List<int> { -1 };
        foreach (var (key, value) in entries)
        {
            var node = 0;
            foreach (var b in key)
            {
                if (!children[node].TryGetValue(b, out var next))
                {
                    next = children.Count;
                    children.Add([]);
                    nodeValues.Add(-1);
                    children[node].Add(b, next);
                }

                node = next;
            }

            nodeValues[node] = value;
        }

        var order = new int[children.Count];      // BFS position → old node
        var position = new int[children.Count];   // old node → BFS position
        var count = 1;
        for (var head = 0; head < count; head++)
        {
            foreach (var child in children[order[head]].Values)
            {
                position[child] = count;
                order[count++] = child;
            }
        }

        var edgeStart = new int[count + 1];
        var labels = new byte[count - 1];
        var targets = new int[count - 1];
        var values = new int[count];
        var edges = 0;
        for (var p = 0; p < count; p++)
        {
            var old = order[p];
            edgeStart[p] = edges;
            values[p] = nodeValues[old];
            foreach (var (label, child) in children[old])
            {
                labels[edges] = label;
                targets[edges++] = position[child];
            }
        }

        edgeStart[count] = edges;
        var root = new int[256];
        Array.Fill(root, -1);
        for (var e = edgeStart[0]; e < edgeStart[1]; e++)
        {
            root[labels[e]] = targets[e];
        }

        return new ByteTrie(root, edgeStart, labels, targets, values);
    }

    /// <summary>The child of <paramref name="node"/> along byte <paramref name="label"/>, or −1.</summary>
    public int Step(int node, byte label)
    {
        if (node == Root)
        {
            return rootChildren[label];
        }

        var start = edgeStart[node];
        var end = edgeStart[node + 1];
        if (end - start <= 8)
        {
            for (var e = start; e < end; e++)
            {
                if (edgeLabels[e] == label)
                {
                    return edgeTargets[e];
                }
            }

            return -1;
        }

        var found = edgeLabels.AsSpan(start, end - start).BinarySearch(label);
        return found >= 0 ? edgeTargets[start + found] : -1;
    }

    /// <summary>The value stored at <paramref name="node"/>, or −1 when no key ends there.</summary>
    public int Value(int node) => values[node];

    /// <summary>The value of exactly <paramref name="key"/>, or −1.</summary>
    public int Find(ReadOnlySpan<byte> key)
    {
        var node = Root;
        foreach (var b in key)
        {
            node = Step(node, b);
            if (node < 0)
            {
                return -1;
            }
        }

        return key.IsEmpty ? -1 : values[node];
    }

    /// <summary>The length of the longest key that is a prefix of <paramref name="text"/> (0 if none) and its value.</summary>
    public int LongestPrefix(ReadOnlySpan<byte> text, out int value)
    {
        value = -1;
        var best = 0;
        var node = Root;
        for (var i = 0; i < text.Length; i++)
        {
            node = Step(node, text[i]);
            if (node < 0)
            {
                break;
            }

            if (values[node] >= 0)
            {
                best = i + 1;
                value = values[node];
            }
        }

        return best;
    }
}
