namespace EmbedSharp.Tokenization.SentencePiece;

public static partial class UnigramTrainer
{
    /// <summary>ψ(x) for x &gt; 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 7, then the asymptotic series of
    /// ψ(y + ½) in y (the approximation spm_train's M step uses).</summary>
    internal static double Digamma(double x)
    {
        var result = 0.0;
        while (x < 7)
        {
            result -= 1 / x;
            x++;
        }

        var y = x - 0.5;
        var inv2 = 1 / (y * y);
        var inv4 = inv2 * inv2;
        return result + Math.Log(y) + (inv2 / 24) - (7.0 / 960 * inv4) + (31.0 / 8064 * inv4 * inv2) - (127.0 / 30720 * inv4 * inv4);
    }

    /// <summary>log(e^a + e^b) without overflow; −∞ is the empty sum.</summary>
    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        return a >= b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }

    /// <summary>The lattice of one text: its edges (piece occurrences) in order of start, then length, and the
    /// forward, backward and Viterbi tables. Reused from text to text.</summary>
    private sealed class Lattice
    {
        public int[] Start = new int[64];
        public int[] End = new int[64];
        public int[] Id = new int[64];
        public double[] Score = new double[64];
        public int Count;
        public int Length;

        public double[] Alpha = new double[17];
        public double[] Beta = new double[17];
        public int[] BestEdge = new int[17];
        public readonly List<int> Path = [];

        public void Reset(int length)
        {
            Count = 0;
            Length = length;
            if (Alpha.Length < length + 1)
            {
                var size = Math.Max(length + 1, Alpha.Length * 2);
                Alpha = new double[size];
                Beta = new double[size];
                BestEdge = new int[size];
            }
        }

        public void Add(int start, int end, int id, double score)
        {
            if (Count == Start.Length)
            {
                var size = Count * 2;
                Array.Resize(ref Start, size);
                Array.Resize(ref End, size);
                Array.Resize(ref Id, size);
                Array.Resize(ref Score, size);
            }

            Start[Count] = start;
            End[Count] = end;
            Id[Count] = id;
            Score[Count] = score;
            Count++;
        }

        /// <summary>Adds freq × the marginal of every edge to <paramref name="expected"/>; returns log Z.</summary>
        public double AddMarginals(long freq, double[] expected)
        {
            var alpha = Alpha.AsSpan(0, Length + 1);
            var beta = Beta.AsSpan(0, Length + 1);
            alpha.Fill(double.NegativeInfinity);
            beta.Fill(double.NegativeInfinity);
            alpha[0] = 0;
            beta[Length] = 0;
            for (var e = 0; e < Count; e++)
            {
                // Edges come in order of start, so every edge into Start[e] has been added already.
                alpha[End[e]] = LogAdd(alpha[End[e]], alpha[Start[e]] + Score[e]);
            }

            for (var e = Count - 1; e >= 0; e--)
            {
                beta[Start[e]] = LogAdd(beta[Start[e]], Score[e] + beta[End[e]]);
            }

            var z = alpha[Length];
            for (var e = 0; e < Count; e++)
            {
                if (Id[e] >= 0)
                {
                    expected[Id[e]] += freq * Math.Exp(alpha[Start[e]] + Score[e] + beta[End[e]] - z);
                }
            }

            return z;
        }

        /// <summary>Fills <see cref="Path"/> with the edges of the best segmentation, first to last (ties go to the
        /// edge added first, that is the longer one, as SentencePiece's Viterbi).</summary>
        public void Viterbi()
        {
            var best = Alpha.AsSpan(0, Length + 1);
            best.Fill(double.NegativeInfinity);
            best[0] = 0;
            for (var e = 0; e < Count; e++)
            {
                var score = best[Start[e]] + Score[e];
                if (score > best[End[e]])
                {
                    best[End[e]] = score;
                    BestEdge[End[e]] = e;
                }
            }

            Path.Clear();
            for (var at = Length; at > 0; at = Start[BestEdge[at]])
            {
                Path.Add(BestEdge[at]);
            }

            Path.Reverse();
        }
    }

    /// <summary>
    /// The current pieces (a shrinking subset of the seeds) and their scores, with the E step, M step and pruning of
    /// spm_train's unigram trainer.
    /// </summary>
    private sealed class PieceModel
    {
        private const double UnknownPenalty = 10;
        private const double MinExpectedCount = 0.5;

        private readonly TrainingCorpus corpus;
        private readonly string[] seedKeys;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> seedIds;
        private readonly int[] current;   // seed id → index in the model, or −1
        private readonly int maxLength;
        private readonly Lattice lattice = new();
        private int[] seedOf = [];
        private double[] scores = [];

        public PieceModel(TrainingCorpus corpus, List<(string Key, double Score)> seeds)
        {
            this.corpus = corpus;
            seedKeys = [.. seeds.Select(s => s.Key)];
            var ids = new Dictionary<string, int>(seeds.Count, StringComparer.Ordinal);
            for (var i = 0; i < seedKeys.Length; i++)
            {
                ids.Add(seedKeys[i], i);
            }

            seedIds = ids.GetAlternateLookup<ReadOnlySpan<char>>();
            maxLength = seedKeys.Max(k => k.Length);
            current = new int[seedKeys.Length];
            Set([.. Enumerable.Range(0, seedKeys.Length)], [.. seeds.Select(s => s.Score)]);
        }

        public int Count => seedOf.Length;

        public double MinScore { get; private set; }

        public string Key(int i) => seedKeys[seedOf[i]];

        public double Score(int i) => scores[i];

        public bool TryGetScore(string key, out double score)
        {
            if (seedIds.TryGetValue(key, out var seed) && current[seed] >= 0)
            {
                score = scores[current[seed]];
                return true;
            }

            score = 0;
            return false;
        }

        private void Set(int[] seeds, double[] newScores)
        {
            Array.Fill(current, -1);
            for (var i = 0; i < seeds.Length; i++)
            {
                current[seeds[i]] = i;
            }

            seedOf = seeds;
            scores = newScores;
            MinScore = newScores.Length == 0 ? 0 : newScores.Min();
        }

        /// <summary>Fills the lattice of <paramref name="text"/>: every current piece at every position, and an unknown
        /// node (id −1, min score − 10) where no one-character piece starts. <paramref name="excluded"/> leaves out
        /// the edge of that piece spanning the whole text.</summary>
        private void Build(ReadOnlySpan<char> text, int excluded = -1)
        {
            lattice.Reset(text.Length);
            var unknown = MinScore - UnknownPenalty;
            for (var i = 0; i < text.Length; i++)
            {
                var single = false;
                var most = Math.Min(maxLength, text.Length - i);
                for (var length = 1; length <= most; length++)
                {
                    if (text[i + length - 1] == '\0')
                    {
                        break;
                    }

                    if (seedIds.TryGetValue(text.Slice(i, length), out var seed) && current[seed] is var id and >= 0
                        && !(id == excluded && length == text.Length))
                    {
                        lattice.Add(i, i + length, id, scores[id]);
                        single |= length == 1;
                    }
                }

                if (!single)
                {
                    lattice.Add(i, i + 1, -1, unknown);
                }
            }
        }

        /// <summary>The E step: each piece's expected count over all units, weighted by the unit counts.</summary>
        public double[] ExpectedCounts(CancellationToken cancellationToken)
        {
            var expected = new double[Count];
            for (var u = 0; u < corpus.UnitCount; u++)
            {
                if ((u & 4095) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                Build(corpus.Unit(u));
                lattice.AddMarginals(corpus.Counts[u], expected);
            }

            return expected;
        }

        /// <summary>The M step: pieces expected less than 0.5 times go; the others score
        /// digamma(expected) − digamma(sum of expected), a sparse (Dirichlet-process) prior instead of log(count/sum).</summary>
        public void Reestimate(double[] expected)
        {
            var kept = new List<int>(Count);
            var sum = 0.0;
            for (var i = 0; i < Count; i++)
            {
                if (expected[i] >= MinExpectedCount)
                {
                    kept.Add(i);
                    sum += expected[i];
                }
            }

            if (kept.Count == 0)
            {
                throw new ArgumentException("The corpus is too small to train on: no piece is expected at least 0.5 times.", "lines");
            }

            var logSum = Digamma(sum);
            Set([.. kept.Select(i => seedOf[i])], [.. kept.Select(i => Digamma(expected[i]) - logSum)]);
        }

        /// <summary>
        /// Pruning: drops the pieces that cost least to lose until <paramref name="size"/> remain (more when the
        /// pieces that must stay are more). A piece's loss is the drop of corpus likelihood when each of its Viterbi
        /// uses is replaced by its own second-best segmentation; a piece no Viterbi path uses, or whose own best
        /// segmentation is already split, goes whatever the size; a piece with no alternative stays.
        /// </summary>
        public void Prune(int size, CancellationToken cancellationToken)
        {
            var n = Count;
            var removable = new bool[n];
            var altStart = new int[n];
            var altCount = new int[n];
            var alternatives = new List<int>();
            for (var i = 0; i < n; i++)
            {
                if ((i & 4095) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var key = Key(i);
                if (key.Length == 1)
                {
                    continue;   // a single character has no other segmentation
                }

                Build(key);
                lattice.Viterbi();
                if (lattice.Path.Count >= 2)
                {
                    removable[i] = true;
                    continue;
                }

                Build(key, excluded: i);
                lattice.Viterbi();
                altStart[i] = alternatives.Count;
                altCount[i] = lattice.Path.Count;
                foreach (var e in lattice.Path)
                {
                    alternatives.Add(lattice.Id[e]);
                }
            }

            var freq = new double[n];
            var total = 0.0;
            for (var u = 0; u < corpus.UnitCount; u++)
            {
                if ((u & 4095) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                Build(corpus.Unit(u));
                lattice.Viterbi();
                var count = corpus.Counts[u];
                total += count;
                foreach (var e in lattice.Path)
                {
                    if (lattice.Id[e] >= 0)
                    {
                        freq[lattice.Id[e]] += count;
                    }
                }
            }

            var sum = freq.Sum();
            var logSum = Math.Log(sum);
            var kept = new List<int>(size);
            var candidates = new List<(int Index, double Loss)>();
            for (var i = 0; i < n; i++)
            {
                if (freq[i] == 0 || removable[i])
                {
                    continue;
                }

                if (altCount[i] == 0)
                {
                    kept.Add(i);
                    continue;
                }

                var share = freq[i] / total;
                var logProbWith = Math.Log(freq[i]) - logSum;

                // Without piece i its uses go to its alternatives: each gains freq[i], the total gains freq[i] × (k − 1).
                var logSumWithout = Math.Log(sum + (freq[i] * (altCount[i] - 1)));
                var logProbWithout = 0.0;
                for (var k = 0; k < altCount[i]; k++)
                {
                    var alt = alternatives[altStart[i] + k];
                    logProbWithout += Math.Log((alt >= 0 ? freq[alt] : 0) + freq[i]) - logSumWithout;
                }

                candidates.Add((i, share * (logProbWith - logProbWithout)));
            }

            candidates.Sort(static (a, b) => a.Loss != b.Loss ? b.Loss.CompareTo(a.Loss) : a.Index.CompareTo(b.Index));
            foreach (var (index, _) in candidates)
            {
                if (kept.Count >= size)
                {
                    break;
                }

                kept.Add(index);
            }

            Set([.. kept.Select(i => seedOf[i])], [.. kept.Select(i => scores[i])]);
        }
    }
}
