namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// An immutable trie over UTF-8 byte strings with an int value per key, stored as a double array: the child of node
/// <c>s</c> along byte <c>c</c> is slot <c>t = base[s] + c</c> when <c>check[t] == s</c>. One step is two array reads;
/// lookups allocate nothing.
/// </summary>
internal sealed class ByteTrie
{
    /// <summary>The root node.</summary>
    public const int Root = 0;

    private const int NoChildren = int.MinValue / 2;
    private readonly int[] bases;    // (slots) offset of each node's children
    private readonly int[] checks;   // (slots) parent slot of each slot, −1 when free
    private readonly int[] values;   // (slots) value of the key ending at each slot, −1 if none

    /// <summary>The raw arrays (base, check, value) for a hot loop that steps inline.</summary>
    internal (int[] Bases, int[] Checks, int[] Values) Arrays => (bases, checks, values);

    private ByteTrie(int[] bases, int[] checks, int[] values)
    {
        this.bases = bases;
        this.checks = checks;
        this.values = values;
    }

    /// <summary>Builds a trie from (key, value) pairs; keys must be non-empty and distinct.</summary>
    public static ByteTrie Build(IReadOnlyList<(byte[] Key, int Value)> entries)
    {
        // A temporary pointer trie, then each node's children are placed at the first base where all their slots are free.
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

        var capacity = (children.Count * 2) + 512;
        var bases = new int[capacity];
        var checks = new int[capacity];
        var values = new int[capacity];
        var used = new byte[capacity];    // 1 where a slot is taken; searched with vectorised IndexOf
        Array.Fill(checks, -1);
        Array.Fill(values, -1);
        used[Root] = 1;
        var firstFree = 1;
        var queue = new Queue<(int Node, int Slot)>();
        queue.Enqueue((0, Root));
        while (queue.Count > 0)
        {
            var (node, slot) = queue.Dequeue();
            values[slot] = nodeValues[node];
            var labels = children[node].Keys;
            if (labels.Count == 0)
            {
                bases[slot] = NoChildren;
                continue;
            }

            var b = 0;
            for (var pos = firstFree; ; pos++)
            {
                var free = used.AsSpan(pos).IndexOf((byte)0);
                if (free < 0)
                {
                    free = used.Length - pos;
                }

                pos += free;   // the next free slot (possibly one past the end)
                b = pos - labels[0];
                if (b < 1)
                {
                    continue;
                }

                var needed = b + 256;
                if (needed > used.Length)
                {
                    var size = Math.Max(needed, used.Length * 2);
                    var old = used.Length;
                    Array.Resize(ref bases, size);
                    Array.Resize(ref checks, size);
                    Array.Resize(ref values, size);
                    Array.Resize(ref used, size);
                    checks.AsSpan(old).Fill(-1);
                    values.AsSpan(old).Fill(-1);
                }

                var fits = true;
                for (var i = 1; i < labels.Count; i++)
                {
                    if (used[b + labels[i]] != 0)
                    {
                        fits = false;
                        break;
                    }
                }

                if (fits)
                {
                    break;
                }
            }

            bases[slot] = b;
            foreach (var (label, child) in children[node])
            {
                checks[b + label] = slot;
                used[b + label] = 1;
                queue.Enqueue((child, b + label));
            }

            var next = used.AsSpan(firstFree).IndexOf((byte)0);
            firstFree = next < 0 ? used.Length : firstFree + next;
        }

        return new ByteTrie(bases, checks, values);
    }

    /// <summary>The child of <paramref name="node"/> along byte <paramref name="label"/>, or −1.</summary>
    public int Step(int node, byte label)
    {
        var t = bases[node] + label;
        return (uint)t < (uint)checks.Length && checks[t] == node ? t : -1;
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
