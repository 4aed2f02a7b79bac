using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace EmbedSharp.FastText;

/// <summary>A worker's state between two lines: where its reader is, its random stream, its unflushed token count
/// and its loss sums (what a checkpoint needs so that a resumed run goes on as the uninterrupted one).</summary>
internal sealed record WorkerCheckpoint(
    long ReaderOffset, bool ReaderAtEnd, (uint S0, uint S1, uint S2, uint S3) Random, long UnflushedTokens,
    double LossSum, long LossCount, double[] EpochLossSum, long[] EpochLossCount);

/// <summary>Counters shared by the Hogwild workers.</summary>
internal sealed class SharedTrainingState
{
    /// <summary>In-vocabulary tokens processed by all workers (fastText's tokenCount_); drives the learning rate.</summary>
    public long TokenCount;
}

/// <summary>
/// One Hogwild worker (fastText's trainThread with its Model::State): its own corpus reader starting at byte
/// offset worker·size/threads, random stream, line buffer, hidden and gradient vectors, all allocated once; the
/// training loop allocates nothing.
/// </summary>
internal sealed unsafe class TrainingWorker
{
    /// <summary>fastText's MAX_LINE_SIZE: a line stops after this many in-vocabulary tokens (+1).</summary>
    public const int MaxLineSize = 1024;

    private readonly FastTextOptions _options;
    private readonly FastTextDictionary _dictionary;
    private readonly int[] _subwordRows;
    private readonly int[] _subwordStarts;
    private readonly float[] _keep;
    private readonly FastTextEntryType[] _types;
    private readonly NegativeSampler? _negatives;
    private readonly float[] _hiddenGain; // (WordCount) skip-gram: Σ m_r² / n over a word's n input rows (m_r: multiplicity of row r); 0 = not computed yet
    private readonly HuffmanTree? _tree;
    private readonly float[] _scores; // (WordCount) softmax outputs, empty for the other losses
    private readonly FastTextLoss _loss;
    private readonly NativeMatrix _input;
    private readonly NativeMatrix _output;
    private readonly SharedTrainingState _shared;
    private readonly Tokenization.Word.WhitespaceTokenReader _reader;
    private readonly long _startOffset;
    private readonly int _endOfSentenceId;
    private readonly float* _hidden; // (dim) 32-byte aligned, in _scratch
    private readonly float* _grad; // (dim)
    private readonly float* _pending; // (dim) skip-gram: the sum of the grads not yet added to the center word's input rows
    private readonly float[] _scratch; // pinned: the three vectors above
    private readonly int[] _draws; // (Neg) the negatives of one update, drawn before its rows are read
    private readonly int _dim;
    private readonly int[] _sortScratch; // (MaxSubwords) for the hidden gain
    private readonly int[] _line = new int[MaxLineSize + 1];
    private readonly int[] _bow; // (2·ws·MaxSubwords) CBOW input rows
    private readonly double[] _epochLossSum;
    private readonly long[] _epochLossCount;
    private readonly bool _singleWord;
    private WorkerRandom _random;
    private double _lossSum;
    private long _lossCount;
    private long _local; // tokens read but not yet added to the shared count

    public TrainingWorker(
        int worker, FastTextOptions options, FastTextDictionary dictionary, NegativeSampler? negatives, float[] hiddenGain, HuffmanTree? tree,
        NativeMatrix input, NativeMatrix output, SharedTrainingState shared, Stream corpus, string? corpusPath, long corpusLength)
    {
        _options = options;
        _dictionary = dictionary;
        (_subwordRows, _subwordStarts) = dictionary.SubwordStorage;
        _keep = dictionary.KeepProbabilities;
        _types = dictionary.Types;
        _negatives = negatives;
        _hiddenGain = hiddenGain;
        _tree = tree;
        _loss = options.Loss;
        _scores = options.Loss == FastTextLoss.Softmax ? new float[dictionary.WordCount] : [];
        _input = input;
        _output = output;
        _shared = shared;
        _reader = FastTextDictionary.CreateTokenReader(corpus, corpusPath, 1 << 16);
        _startOffset = worker * corpusLength / options.Thread;
        _endOfSentenceId = dictionary.GetId(Tokenization.Word.WhitespaceTokenReader.EndOfSentence);
        _dim = options.Dim;
        var stride = (_dim + 7) & ~7;
        _scratch = GC.AllocateArray<float>((3 * stride) + 8, pinned: true);
        var aligned = (float*)(((nint)Unsafe.AsPointer(ref _scratch[0]) + 31) & ~(nint)31);
        _hidden = aligned;
        _grad = aligned + stride;
        _pending = aligned + (2 * stride);
        _draws = new int[Math.Max(0, options.Neg)];
        _sortScratch = new int[Math.Max(1, dictionary.MaxSubwords)];
        _bow = new int[2 * options.Ws * dictionary.MaxSubwords];
        _epochLossSum = new double[options.Epoch];
        _epochLossCount = new long[options.Epoch];
        _singleWord = dictionary.WordCount == 1;
        _random = new WorkerRandom(options.Seed, worker);
    }

    /// <summary>Average loss per update of each epoch-sized slice of the token budget, summed over this worker (sum, count).</summary>
    public (double[] Sum, long[] Count) EpochLosses => (_epochLossSum, _epochLossCount);

    /// <summary>Loss sum published at each token-count flush (read by the progress reporter).</summary>
    public double PublishedLossSum;

    /// <summary>Loss count published at each token-count flush.</summary>
    public long PublishedLossCount;

    /// <summary>Places the reader at this worker's start offset, worker·size/threads (a fresh run).</summary>
    public void Start() => _reader.Seek(_startOffset);

    /// <summary>This worker's state at a pause between two lines, for a checkpoint.</summary>
    public WorkerCheckpoint Capture() => new(
        _reader.Position, _reader.AtEnd, _random.State, _local, _lossSum, _lossCount,
        (double[])_epochLossSum.Clone(), (long[])_epochLossCount.Clone());

    /// <summary>Continues from a captured state (instead of <see cref="Start"/>).</summary>
    public void Restore(WorkerCheckpoint state)
    {
        _reader.Seek(state.ReaderOffset, state.ReaderAtEnd);
        _random = WorkerRandom.FromState(state.Random);
        _local = state.UnflushedTokens;
        _lossSum = state.LossSum;
        _lossCount = state.LossCount;
        state.EpochLossSum.CopyTo(_epochLossSum, 0);
        state.EpochLossCount.CopyTo(_epochLossCount, 0);
        PublishedLossSum = _lossSum;
        PublishedLossCount = _lossCount;
    }

    /// <summary>Trains line by line while the shared token count is below <paramref name="limit"/> (an epoch's end)
    /// and no cancellation is requested. Tokens not yet added to the shared count stay with the worker across calls,
    /// so stopping at an epoch boundary and going on gives the same sequence as not stopping; <paramref name="final"/>
    /// adds them at the end of training.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    public void Run(long limit, bool final, CancellationToken cancellationToken)
    {
        var total = _options.Epoch * _dictionary.TokenCount;
        var epochs = _options.Epoch;
        var lr0 = (float)_options.Lr;
        var cbow = _options.Model == FastTextModelKind.Cbow;
        while (Volatile.Read(ref _shared.TokenCount) < limit && !cancellationToken.IsCancellationRequested)
        {
            var progress = (float)Volatile.Read(ref _shared.TokenCount) / total; // real progress = real(tokenCount_) / (epoch * ntokens)
            var lr = lr0 * (1f - progress);
            var epoch = Math.Min(epochs - 1, (int)(progress * epochs));
            var lossBefore = _lossSum;
            var countBefore = _lossCount;
            _local += ReadLine(out var length);
            if (cbow)
            {
                Cbow(length, lr);
            }
            else
            {
                SkipGram(length, lr);
            }

            _epochLossSum[epoch] += _lossSum - lossBefore;
            _epochLossCount[epoch] += _lossCount - countBefore;
            if (_local > _options.LrUpdateRate)
            {
                Interlocked.Add(ref _shared.TokenCount, _local);
                _local = 0;
                Volatile.Write(ref PublishedLossSum, _lossSum);
                Volatile.Write(ref PublishedLossCount, _lossCount);
            }
        }

        if (final)
        {
            Interlocked.Add(ref _shared.TokenCount, _local);
            _local = 0;
        }

        Volatile.Write(ref PublishedLossSum, _lossSum);
        Volatile.Write(ref PublishedLossCount, _lossCount);
    }

    /// <summary>fastText's Dictionary::getLine for unsupervised models: returns the in-vocabulary tokens read; keeps
    /// the words that survive subsampling in the line buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private int ReadLine(out int length)
    {
        if (_reader.AtEnd)
        {
            _reader.Seek(0);
        }

        length = 0;
        var ntokens = 0;
        while (_reader.ReadToken(out var token))
        {
            var id = _dictionary.GetId(token);
            if (id < 0)
            {
                continue;
            }

            ntokens++;
            if (_types[id] == FastTextEntryType.Word && _random.NextSingle() <= _keep[id])
            {
                _line[length++] = id;
            }

            if (ntokens > MaxLineSize || id == _endOfSentenceId)
            {
                break;
            }
        }

        return ntokens;
    }

    /// <summary>fastText's skip-gram pass over a line: for each word w, a window of 1 + uniform[0, Ws) words on each
    /// side, and one <see cref="Update"/> (input = w's rows, target = the context word) per context word.
    /// <para>Done here as one pass per center word with the same arithmetic in exact terms: the mean of w's n input
    /// rows is computed once; each update adds its grad g to every row of the list, which moves that mean by
    /// (Σ_r m_r²/n)·g (m_r: how often row r appears in the list, 1 unless n-grams repeat), so the mean is advanced by
    /// that instead of re-read; and the sum of the grads is added to the rows once after the last context word
    /// (row r gets m_r·Σg, what the per-update additions sum to). Nothing else reads those input rows in between
    /// (one thread), so the model is fastText's sequential update up to float rounding; with Hogwild threads the
    /// other workers see the center word's rows a few updates later. The random draws come in fastText's order
    /// (window, then each update's negatives), so one thread and a seed still give the same bits every run.</para></summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private void SkipGram(int length, float lr)
    {
        var ws = _options.Ws;
        var dim = _dim;
        for (var w = 0; w < length; w++)
        {
            var boundary = 1 + _random.NextInt(ws);
            var id = _line[w];
            var start = _subwordStarts[id];
            var rows = _subwordRows.AsSpan(start, _subwordStarts[id + 1] - start);
            var from = Math.Max(0, w - boundary);
            var to = Math.Min(length - 1, w + boundary);
            if (rows.Length == 0 || from == to)
            {
                continue; // no update: fastText's Model::update returns before drawing anything
            }

            Mean(rows);
            var gain = HiddenGain(id, rows);
            new Span<float>(_pending, dim).Clear();
            for (var c = from; c <= to; c++)
            {
                if (c == w)
                {
                    continue;
                }

                _lossSum += Loss(_line[c], lr);
                _lossCount++;
                RowKernels.Add(_pending, _grad, dim);
                RowKernels.AddScaled(_hidden, _grad, gain, dim);
            }

            RowKernels.AddToRows(_input.Pointer, rows, _pending, dim);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private void Cbow(int length, float lr)
    {
        var ws = _options.Ws;
        // The rows of the words up to ws + 1 ahead are fetched before the first update, then each step fetches the rows
        // of the word that enters the farthest window of the next step (w + ws + 1): it is new to the cache then, while
        // the other words' rows were read by the steps before.
        for (var w = 0; w <= ws && w < length; w++)
        {
            PrefetchWord(_line[w]);
        }

        for (var w = 0; w < length; w++)
        {
            if (w + ws + 1 < length)
            {
                PrefetchWord(_line[w + ws + 1]);
            }

            var boundary = 1 + _random.NextInt(ws);
            var count = 0;
            for (var c = -boundary; c <= boundary; c++)
            {
                if (c != 0 && w + c >= 0 && w + c < length)
                {
                    var id = _line[w + c];
                    var start = _subwordStarts[id];
                    var n = _subwordStarts[id + 1] - start;
                    if (n == 1)
                    {
                        _bow[count++] = _subwordRows[start];
                    }
                    else
                    {
                        _subwordRows.AsSpan(start, n).CopyTo(_bow.AsSpan(count));
                        count += n;
                    }
                }
            }

            Update(_bow.AsSpan(0, count), _line[w], lr);
        }
    }

    /// <summary>Prefetches the input rows of one word (its own and its n-grams').</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchWord(int id)
    {
        var end = _subwordStarts[id + 1];
        for (var i = _subwordStarts[id]; i < end; i++)
        {
            RowKernels.Prefetch(_input.Row(_subwordRows[i]), _dim);
        }
    }

    /// <summary>fastText's Model::update: hidden = mean of the input rows; the loss accumulates grad (for each output
    /// row t it scores: score = σ(hidden·out[t]), α = lr·(label − score), grad += α·out[t], out[t] += α·hidden);
    /// then every input row += grad (not divided by the row count, as fastText for unsupervised models).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Update(ReadOnlySpan<int> rows, int target, float lr)
    {
        if (rows.Length == 0)
        {
            return;
        }

        var negatives = DrawNegatives(target);
        Mean(rows);
        _lossSum += ComputeLoss(target, negatives, lr);
        _lossCount++;
        RowKernels.AddToRows(_input.Pointer, rows, _grad, _dim);
    }

    /// <summary>hidden = the mean of the input rows (fastText's computeHidden).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Mean(ReadOnlySpan<int> rows)
    {
        RowKernels.SumRows(_hidden, _input.Pointer, rows, _dim);
        if (rows.Length > 1)
        {
            RowKernels.Scale(_hidden, 1f / rows.Length, _dim);
        }
    }

    /// <summary>Σ_r m_r² / n over the n input rows of word <paramref name="id"/> (m_r: occurrences of row r; 1 when no
    /// row repeats), computed on first use and kept (every worker computes the same value, so racing writes agree).</summary>
    private float HiddenGain(int id, ReadOnlySpan<int> rows)
    {
        var gain = _hiddenGain[id];
        if (gain != 0)
        {
            return gain;
        }

        var sorted = _sortScratch.AsSpan(0, rows.Length);
        rows.CopyTo(sorted);
        sorted.Sort();
        long squares = 0;
        var run = 1;
        for (var i = 1; i <= sorted.Length; i++)
        {
            if (i < sorted.Length && sorted[i] == sorted[i - 1])
            {
                run++;
                continue;
            }

            squares += (long)run * run;
            run = 1;
        }

        gain = (float)((double)squares / rows.Length);
        _hiddenGain[id] = gain;
        return gain;
    }

    /// <summary>One update's loss on the current hidden vector: draws its negatives, clears grad and accumulates it,
    /// moves the scored output rows, returns the loss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Loss(int target, float lr) => ComputeLoss(target, DrawNegatives(target), lr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float ComputeLoss(int target, int negatives, float lr)
    {
        new Span<float>(_grad, _dim).Clear();
        return _loss switch
        {
            FastTextLoss.HierarchicalSoftmax => HierarchicalSoftmax(target, lr),
            FastTextLoss.Softmax => Softmax(target, lr),
            _ => NegativeSampling(target, negatives, lr),
        };
    }

    /// <summary>fastText's NegativeSamplingLoss draws: Neg negatives ≠ target, uniform over the unigram table (none
    /// with a one-word vocabulary); they are drawn before the update's rows are read so that their output rows can be
    /// fetched meanwhile. Returns how many (0 for the other losses).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DrawNegatives(int target)
    {
        var sampler = _negatives;
        if (sampler is null)
        {
            return 0;
        }

        var dim = _dim;
        RowKernels.Prefetch(_output.Row(target), dim);
        if (_singleWord)
        {
            return 0;
        }

        var size = sampler.Size;
        var draws = _draws;
        for (var n = 0; n < draws.Length; n++)
        {
            int negative;
            do
            {
                negative = sampler.WordAt(_random.NextInt(size));
            }
            while (negative == target);
            draws[n] = negative;
            RowKernels.Prefetch(_output.Row(negative), dim);
        }

        return draws.Length;
    }

    /// <summary>fastText's NegativeSamplingLoss::forward: the target as positive, then the drawn negatives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private float NegativeSampling(int target, int negatives, float lr)
    {
        var loss = BinaryLogistic(target, true, lr);
        for (var n = 0; n < negatives; n++)
        {
            loss += BinaryLogistic(_draws[n], false, lr);
        }

        return loss;
    }

    /// <summary>fastText's HierarchicalSoftmaxLoss::forward: binary logistic on each inner node of the target's
    /// Huffman path, label = the path's code at that node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private float HierarchicalSoftmax(int target, float lr)
    {
        var path = _tree!.Path(target);
        var code = _tree.Code(target);
        var loss = 0f;
        for (var i = 0; i < path.Length; i++)
        {
            loss += BinaryLogistic(path[i], code[i], lr);
        }

        return loss;
    }

    /// <summary>fastText's SoftmaxLoss::forward: p = softmax(out·hidden) over every word (exact exp, max subtracted);
    /// for each word i, α = lr·([i = target] − p_i), grad += α·out[i], out[i] += α·hidden; loss −log p_target (table log).</summary>
    private float Softmax(int target, float lr)
    {
        var dim = _dim;
        var scores = _scores.AsSpan();
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = RowKernels.Dot(_hidden, _output.Row(i), dim);
        }

        var max = TensorPrimitives.Max(scores);
        var z = 0f;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = MathF.Exp(scores[i] - max);
            z += scores[i];
        }

        TensorPrimitives.Multiply(scores, 1f / z, scores);
        for (var i = 0; i < scores.Length; i++)
        {
            var alpha = lr * ((i == target ? 1f : 0f) - scores[i]);
            RowKernels.UpdateOutput(_grad, _output.Row(i), _hidden, alpha, dim);
        }

        return -LogisticTables.Log(scores[target]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float BinaryLogistic(int target, bool positive, float lr)
    {
        var dim = _dim;
        var output = _output.Row(target);
        var score = LogisticTables.Sigmoid(RowKernels.Dot(_hidden, output, dim));
        var alpha = lr * ((positive ? 1f : 0f) - score);
        RowKernels.UpdateOutput(_grad, output, _hidden, alpha, dim);
        return positive ? -LogisticTables.Log(score) : -LogisticTables.Log(1f - score);
    }
}
