namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// The n best unigram segmentations, as SentencePiece 0.1.97's <c>NBestEncode</c> finds them: a lattice of every
/// vocabulary piece (and an <c>&lt;unk&gt;</c> node where no single-character piece exists), a float Viterbi pass that
/// gives each node the best score of a path from the start through it, then an A* search from the end. A partial path
/// x (from the end back to some node) has g(x) = the sum of its node scores and f(x) = g(x) + the node's Viterbi score,
/// which is exact, so complete paths come off the agenda best first. The agenda is a replica of libstdc++'s
/// <c>std::priority_queue</c> (binary heap, same sift steps), so paths of equal score come out in SentencePiece's
/// order too; like SentencePiece it keeps only the best min(512, 10·n) hypotheses when it reaches 100,000.
/// </summary>
internal sealed class UnigramNBest
{
    private const int MaxAgenda = 100_000;
    private const int MinAgenda = 512;

    private readonly List<(int Start, int End, int Id, float Score)> nodes;
    private readonly int size;
    private float[] backtrace = [];    // per node: the best score of a path from the start through it
    private int[] endOffsets = [];     // nodes ending at position p: endList[endOffsets[p] .. endOffsets[p + 1])
    private int[] endList = [];

    // Hypotheses: node index (−1: the start of the text, −2: its end), the next hypothesis towards the end, f and g.
    private readonly List<(int Node, int Next, float Fx, float Gx)> hyps = [];
    private readonly List<int> agenda = [];

    /// <summary>Nodes in SentencePiece's insertion order: by start, then by length (shortest first), the unknown node
    /// last.</summary>
    public UnigramNBest(List<(int Start, int End, int Id, float Score)> nodes, int size)
    {
        this.nodes = nodes;
        this.size = size;
    }

    /// <summary>Adds up to <paramref name="n"/> segmentations to <paramref name="results"/>, best first (n = 1:
    /// SentencePiece's plain Viterbi path, whose ties pick the first node in insertion order).</summary>
    public void Search(int n, List<Segment[]> results)
    {
        Index();
        if (n == 1)
        {
            results.Add(ViterbiPath());
            return;
        }

        hyps.Clear();
        agenda.Clear();
        hyps.Add((-2, -1, 0f, 0f));
        Push(0);
        while (agenda.Count > 0)
        {
            var top = Pop();
            var (node, _, _, gx) = hyps[top];
            if (node == -1)
            {
                results.Add(Path(top));
                if (results.Count == n)
                {
                    break;
                }

                continue;
            }

            var pos = node == -2 ? size : nodes[node].Start;
            if (pos == 0)
            {
                hyps.Add((-1, top, gx, gx)); // the start node: score 0, Viterbi score 0
                Push(hyps.Count - 1);
            }
            else
            {
                for (var k = endOffsets[pos]; k < endOffsets[pos + 1]; k++)
                {
                    var left = endList[k];
                    hyps.Add((left, top, backtrace[left] + gx, nodes[left].Score + gx));
                    Push(hyps.Count - 1);
                }
            }

            if (agenda.Count >= MaxAgenda)
            {
                var keep = Math.Min(MinAgenda, n * 10);
                var kept = new int[keep];
                for (var i = 0; i < keep; i++)
                {
                    kept[i] = Pop();
                }

                agenda.Clear();
                foreach (var h in kept)
                {
                    Push(h);
                }
            }
        }
    }

    /// <summary>Groups the nodes by end position (in insertion order) and runs the float Viterbi pass:
    /// backtrace(node) = max over nodes ending at its start of their backtrace, plus its score (0 at the start).</summary>
    private void Index()
    {
        var count = nodes.Count;
        backtrace = new float[count];
        endList = new int[count];
        endOffsets = new int[size + 2];
        foreach (var node in nodes)
        {
            endOffsets[node.End + 1]++;
        }

        for (var p = 0; p <= size; p++)
        {
            endOffsets[p + 1] += endOffsets[p];
        }

        var fill = (int[])endOffsets.Clone();
        for (var i = 0; i < count; i++)
        {
            endList[fill[nodes[i].End]++] = i;
        }

        for (var i = 0; i < count; i++)
        {
            var node = nodes[i];
            backtrace[i] = BestEndingAt(node.Start, node.Score, out _);
        }
    }

    /// <summary>max over the nodes ending at <paramref name="pos"/> of (their backtrace + score), in float, the first of
    /// equal values kept (as SentencePiece's <c>score &gt; best_score</c>); at 0 the start node, whose backtrace is 0.</summary>
    private float BestEndingAt(int pos, float score, out int best)
    {
        best = -1;
        if (pos == 0)
        {
            return 0f + score;
        }

        var bestScore = 0f;
        for (var k = endOffsets[pos]; k < endOffsets[pos + 1]; k++)
        {
            var candidate = backtrace[endList[k]] + score;
            if (best < 0 || candidate > bestScore)
            {
                best = endList[k];
                bestScore = candidate;
            }
        }

        return bestScore;
    }

    private Segment[] ViterbiPath()
    {
        var path = new List<Segment>();
        BestEndingAt(size, 0f, out var node);
        while (node >= 0)
        {
            var (start, end, id, score) = nodes[node];
            path.Add(new Segment(start, end - start, id));
            BestEndingAt(start, score, out node);
        }

        path.Reverse();
        return [.. path];
    }

    /// <summary>The segmentation of a complete hypothesis: its nodes from the start of the text to the end.</summary>
    private Segment[] Path(int hyp)
    {
        var path = new List<Segment>();
        for (var h = hyps[hyp].Next; hyps[h].Node != -2; h = hyps[h].Next)
        {
            var (start, end, id, _) = nodes[hyps[h].Node];
            path.Add(new Segment(start, end - start, id));
        }

        return [.. path];
    }

    private bool Less(int a, int b) => hyps[a].Fx < hyps[b].Fx;

    /// <summary><c>priority_queue::push</c>: append, then libstdc++'s <c>__push_heap</c> sift-up.</summary>
    private void Push(int h)
    {
        agenda.Add(h);
        SiftUp(agenda.Count - 1, 0, h);
    }

    private void SiftUp(int hole, int top, int value)
    {
        var parent = (hole - 1) / 2;
        while (hole > top && Less(agenda[parent], value))
        {
            agenda[hole] = agenda[parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }

        agenda[hole] = value;
    }

    /// <summary><c>priority_queue::pop</c>: the last element goes to the root's hole through libstdc++'s
    /// <c>__adjust_heap</c> (down to a leaf along the larger children, the right one on ties, then a sift-up).</summary>
    private int Pop()
    {
        var top = agenda[0];
        var last = agenda.Count - 1;
        var value = agenda[last];
        agenda.RemoveAt(last);
        if (last == 0)
        {
            return top;
        }

        var len = last;
        var hole = 0;
        var child = 0;
        while (child < (len - 1) / 2)
        {
            child = 2 * (child + 1);
            if (Less(agenda[child], agenda[child - 1]))
            {
                child--;
            }

            agenda[hole] = agenda[child];
            hole = child;
        }

        if ((len & 1) == 0 && child == (len - 2) / 2)
        {
            child = 2 * (child + 1);
            agenda[hole] = agenda[child - 1];
            hole = child - 1;
        }

        SiftUp(hole, 0, value);
        return top;
    }
}
