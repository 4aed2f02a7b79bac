using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// Unigram segmentation: the best path through the lattice of vocabulary pieces over the normalised UTF-8, maximising
/// the sum of piece scores (log probabilities). A user-defined symbol scores <c>length·maxScore − 0.1</c>; a character
/// no piece covers becomes <c>&lt;unk&gt;</c> scoring <c>minScore − 10</c>. SentencePiece's optimised Viterbi: path scores
/// are float, candidates are compared in double, and the first of equal candidates (the leftmost start) wins.
/// </summary>
internal sealed class UnigramSegmenter
{
    private const float UnkPenalty = 10f;
    private readonly ByteTrie trie;
    private readonly float[] scores;
    private readonly SentencePieceType[] types;
    private readonly int unkId;
    private readonly float maxScore;
    private readonly float unkScore;
    private readonly Slot[] slots;   // the trie's slots with each one's piece and score, one cache line read per byte

    public UnigramSegmenter(ByteTrie trie, float[] scores, SentencePieceType[] types, int unkId)
    {
        this.trie = trie;
        this.scores = scores;
        this.types = types;
        this.unkId = unkId;
        var min = float.MaxValue;
        var max = float.Epsilon * (1 << 23);   // FLT_MIN, SentencePiece's starting maximum
        for (var i = 0; i < scores.Length; i++)
        {
            if (types[i] == SentencePieceType.Normal)
            {
                min = Math.Min(min, scores[i]);
                max = Math.Max(max, scores[i]);
            }
        }

        maxScore = max;
        unkScore = min - UnkPenalty;

        // Viterbi reads, per input byte, a slot's base and check and the piece ending there (skipped when unused) with
        // its score: one 16-byte record per slot instead of five arrays. A user-defined piece's score depends on its
        // length, so its record says so (Id = −2 − id) and the loop computes it as before.
        var (bases, checks, values) = trie.Arrays;
        slots = new Slot[bases.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            var id = values[i];
            var kind = id < 0 ? SentencePieceType.Unused : types[id];
            slots[i] = new Slot(bases[i], checks[i],
                kind switch { SentencePieceType.Unused => -1, SentencePieceType.UserDefined => -2 - id, _ => id },
                kind is SentencePieceType.Unused or SentencePieceType.UserDefined ? 0f : scores[id]);
        }
    }

    /// <summary>Fills <c>scratch.Segments</c> with the best segmentation of <paramref name="text"/>.</summary>
    public void Encode(ReadOnlySpan<byte> text, EncodeScratch scratch)
    {
        scratch.Segments.Clear();
        var size = text.Length;
        if (size == 0)
        {
            return;
        }

        scratch.EnsureViterbi(size + 1);
        var bestScore = scratch.BestScore.AsSpan(0, size + 1);
        var bestStart = scratch.BestStart.AsSpan(0, size + 1);
        var bestId = scratch.BestId.AsSpan(0, size + 1);
        bestScore.Clear();
        bestStart.Fill(-1);
        bestId.Fill(-1);
        var table = slots;
        // Unchecked reads below: every node index is Root or a child whose index was checked against table.Length,
        // keyPos stays in 0..size (the three Viterbi spans hold size + 1) and reads of text stay below size.
        ref var slot0 = ref MemoryMarshal.GetArrayDataReference(table);
        ref var score0 = ref MemoryMarshal.GetReference(bestScore);
        ref var start0 = ref MemoryMarshal.GetReference(bestStart);
        ref var id0 = ref MemoryMarshal.GetReference(bestId);
        ref readonly var text0 = ref MemoryMarshal.GetReference(text);
        var startsAt = 0;
        while (startsAt < size)
        {
            var scoreTillHere = Unsafe.Add(ref score0, startsAt);
            var hasSingleNode = false;
            var charLength = Math.Min(SentencePieceNormalizer.LeadLength(Unsafe.Add(ref Unsafe.AsRef(in text0), startsAt)), size - startsAt);
            var node = ByteTrie.Root;
            for (var keyPos = startsAt; keyPos < size;)
            {
                var next = Unsafe.Add(ref slot0, node).Base + Unsafe.Add(ref Unsafe.AsRef(in text0), keyPos++);   // ByteTrie.Step
                if ((uint)next >= (uint)table.Length || Unsafe.Add(ref slot0, next).Check != node)
                {
                    break;
                }

                node = next;
                ref readonly var slot = ref Unsafe.Add(ref slot0, node);
                var id = slot.Id;
                double score;
                if (id >= 0)
                {
                    score = slot.Score;
                }
                else if (id == -1)
                {
                    continue;
                }
                else
                {
                    id = -2 - id;   // user-defined
                    score = (double)((keyPos - startsAt) * maxScore) - 0.1;
                }

                var candidate = score + scoreTillHere;
                ref var best = ref Unsafe.Add(ref score0, keyPos);
                ref var from = ref Unsafe.Add(ref start0, keyPos);
                if (from == -1 || candidate > best)
                {
                    best = (float)candidate;
                    from = startsAt;
                    Unsafe.Add(ref id0, keyPos) = id;
                }

                if (keyPos - startsAt == charLength)
                {
                    hasSingleNode = true;
                }
            }

            if (!hasSingleNode)
            {
                var end = startsAt + charLength;
                var candidate = unkScore + scoreTillHere;
                if (bestStart[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = startsAt;
                    bestId[end] = unkId;
                }
            }

            startsAt += charLength;
        }

        for (var end = size; end > 0; end = bestStart[end])
        {
            scratch.Segments.Add(new Segment(bestStart[end], end - bestStart[end], bestId[end]));
        }

        scratch.Segments.Reverse();
    }

    /// <summary>
    /// Draws one segmentation with probability ∝ exp(α·Σ scores) (forward filtering, backward sampling over the same
    /// lattice as <see cref="Encode"/>); SentencePiece's <c>SampleEncode(nbest_size = −1, alpha)</c>.
    /// </summary>
    public void Sample(ReadOnlySpan<byte> text, float alpha, Generator generator, EncodeScratch scratch)
    {
        scratch.Segments.Clear();
        var size = text.Length;
        if (size == 0)
        {
            return;
        }

        var nodes = scratch.Nodes;
        BuildLattice(text, nodes);

        // Forward: alpha[e] = log Σ over nodes ending at e of exp(alpha[start] + α·score). Nodes come ordered by start,
        // so every node's start is final before the node is read.
        if (scratch.Alpha.Length < size + 1)
        {
            scratch.Alpha = new double[Math.Max(size + 1, scratch.Alpha.Length * 2)];
        }

        var forward = scratch.Alpha.AsSpan(0, size + 1);
        forward.Fill(double.NegativeInfinity);
        forward[0] = 0;
        foreach (var (start, end, _, score) in nodes)
        {
            forward[end] = LogAdd(forward[end], forward[start] + (alpha * score));
        }

        // Backward: from the end, pick a node ending here with probability exp(alpha[start] + α·score − alpha[end]).
        for (var end = size; end > 0;)
        {
            var u = generator.NextDouble();
            var acc = 0.0;
            (int Start, int End, int Id, float Score) chosen = default;
            var found = false;
            for (var i = nodes.Count - 1; i >= 0; i--)
            {
                var n = nodes[i];
                if (n.End != end || double.IsNegativeInfinity(forward[n.Start]))
                {
                    continue;
                }

                chosen = n;
                found = true;
                acc += Math.Exp(forward[n.Start] + (alpha * n.Score) - forward[end]);
                if (u < acc)
                {
                    break;
                }
            }

            if (!found)
            {
                throw new InvalidOperationException("The lattice has no path to the end of the text.");
            }

            scratch.Segments.Add(new Segment(chosen.Start, end - chosen.Start, chosen.Id));
            end = chosen.Start;
        }

        scratch.Segments.Reverse();
    }

    /// <summary>
    /// The <paramref name="n"/> best segmentations, best first, as SentencePiece's <c>NBestEncode(text, n)</c> returns
    /// them (see <see cref="UnigramNBest"/>); an empty text has one, empty, segmentation.
    /// </summary>
    public void NBest(ReadOnlySpan<byte> text, int n, EncodeScratch scratch, List<Segment[]> results)
    {
        results.Clear();
        if (text.IsEmpty)
        {
            results.Add([]);
            return;
        }

        BuildLattice(text, scratch.Nodes);
        new UnigramNBest(scratch.Nodes, text.Length).Search(n, results);
    }

    /// <summary>
    /// SentencePiece's lattice (<c>PopulateNodes</c>): for each character start, every vocabulary piece that starts there
    /// (shortest first; unused pieces skipped), then an <c>&lt;unk&gt;</c> node over the character when no piece covers
    /// exactly it. A user-defined piece scores <c>chars·maxScore − 0.1</c>, its length counted in characters.
    /// </summary>
    private void BuildLattice(ReadOnlySpan<byte> text, List<(int Start, int End, int Id, float Score)> nodes)
    {
        nodes.Clear();
        var size = text.Length;
        for (var startsAt = 0; startsAt < size;)
        {
            var hasSingleNode = false;
            var charLength = Math.Min(SentencePieceNormalizer.LeadLength(text[startsAt]), size - startsAt);
            var node = ByteTrie.Root;
            var chars = 0;
            for (var keyPos = startsAt; keyPos < size;)
            {
                if ((text[keyPos] & 0xC0) != 0x80)
                {
                    chars++;
                }

                node = trie.Step(node, text[keyPos++]);
                if (node < 0)
                {
                    break;
                }

                var id = trie.Value(node);
                if (id < 0 || types[id] == SentencePieceType.Unused)
                {
                    continue;
                }

                var length = keyPos - startsAt;
                var score = types[id] == SentencePieceType.UserDefined ? (float)((chars * maxScore) - 0.1) : scores[id];
                nodes.Add((startsAt, keyPos, id, score));
                hasSingleNode |= length == charLength;
            }

            if (!hasSingleNode)
            {
                nodes.Add((startsAt, startsAt + charLength, unkId, unkScore));
            }

            startsAt += charLength;
        }
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        var max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    private readonly record struct Slot(int Base, int Check, int Id, float Score);
}
