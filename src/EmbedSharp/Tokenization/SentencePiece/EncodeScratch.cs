namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>One piece of a segmentation: bytes <c>[Start, Start + Length)</c> of the normalised text and its id.</summary>
internal readonly record struct Segment(int Start, int Length, int Id);

/// <summary>
/// Per-call working buffers of one encode, reused across calls (a tokenizer keeps a small pool of them, one per
/// concurrent caller), so encoding a text allocates only its result.
/// </summary>
internal sealed class EncodeScratch
{
    public byte[] Input = new byte[256];            // UTF-8 of the text
    public int[] InputToUtf16 = new int[257];       // (input bytes + 1) UTF-16 index of each UTF-8 byte
    public byte[] Normalized = new byte[256];       // normalised UTF-8
    public int[] NormToOrig = new int[257];         // (normalised bytes + 1) input byte of each normalised byte

    // Unigram Viterbi, (normalised bytes + 1) each: best score, start and id of the best path ending at each byte.
    public float[] BestScore = [];
    public int[] BestStart = [];
    public int[] BestId = [];

    // Unigram sampling: the lattice as (start, end, id, score) nodes and forward log-marginals per byte.
    public List<(int Start, int End, int Id, float Score)> Nodes = [];
    public double[] Alpha = [];

    // BPE symbols, one per character at the start: byte range, linked list, and whether a user symbol froze it.
    public int[] SymbolStart = [];
    public int[] SymbolLength = [];
    public int[] SymbolPrev = [];
    public int[] SymbolNext = [];
    public bool[] SymbolFrozen = [];
    public readonly PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)> Agenda = new(BpeOrder.Instance);
    public Dictionary<int, int>? UnusedSplits;      // BPE: unused piece id → length of its left part

    public readonly List<Segment> Segments = [];
    public readonly List<int> Ids = [];

    public void EnsureInput(int length)
    {
        if (Input.Length < length)
        {
            Input = new byte[Math.Max(length, Input.Length * 2)];
        }

        if (InputToUtf16.Length < length + 1)
        {
            InputToUtf16 = new int[Math.Max(length + 1, InputToUtf16.Length * 2)];
        }
    }

    public void EnsureNormalized(int length)
    {
        if (Normalized.Length < length)
        {
            Array.Resize(ref Normalized, Math.Max(length, Normalized.Length * 2));
        }

        if (NormToOrig.Length < length + 1)
        {
            Array.Resize(ref NormToOrig, Math.Max(length + 1, NormToOrig.Length * 2));
        }
    }

    public void EnsureViterbi(int length)
    {
        if (BestScore.Length < length)
        {
            var size = Math.Max(length, BestScore.Length * 2);
            BestScore = new float[size];
            BestStart = new int[size];
            BestId = new int[size];
        }
    }

    public void EnsureSymbols(int length)
    {
        if (SymbolStart.Length < length)
        {
            var size = Math.Max(length, SymbolStart.Length * 2);
            SymbolStart = new int[size];
            SymbolLength = new int[size];
            SymbolPrev = new int[size];
            SymbolNext = new int[size];
            SymbolFrozen = new bool[size];
        }
    }

    /// <summary>SentencePiece's merge order: the highest score first, then the leftmost pair.</summary>
    private sealed class BpeOrder : IComparer<(float Score, int Left)>
    {
        public static readonly BpeOrder Instance = new();

        public int Compare((float Score, int Left) x, (float Score, int Left) y)
        {
            if (x.Score != y.Score)
            {
                return x.Score > y.Score ? -1 : 1;
            }

            return x.Left.CompareTo(y.Left);
        }
    }
}
