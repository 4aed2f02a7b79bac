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
    private readonly int[] _negatives;
    private readonly HuffmanTree? _tree;
    private readonly float[] _scores; // (WordCount) softmax outputs, empty for the other losses
    private readonly FastTextLoss _loss;
    private readonly NativeMatrix _input;
    private readonly NativeMatrix _output;
    private readonly SharedTrainingState _shared;
    private readonly Tokenization.Word.WhitespaceTokenReader _reader;
    private readonly long _startOffset;
    private readonly int _endOfSentenceId;
    private readonly float[] _hidden; // (dim)
    private readonly float[] _grad; // (dim)
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
        int worker, FastTextOptions options, FastTextDictionary dictionary, int[] negatives, HuffmanTree? tree,
        NativeMatrix input, NativeMatrix output, SharedTrainingState shared, Stream corpus, string? corpusPath, long corpusLength)
    {
        _options = options;
        _dictionary = dictionary;
        (_subwordRows, _subwordStarts) = dictionary.SubwordStorage;
        _keep = dictionary.KeepProbabilities;
        _types = dictionary.Types;
        _negatives = negatives;
        _tree = tree;
        _loss = options.Loss;
        _scores = options.Loss == FastTextLoss.Softmax ? new float[dictionary.WordCount] : [];
        _input = input;
        _output = output;
        _shared = shared;
        _reader = FastTextDictionary.CreateTokenReader(corpus, corpusPath, 1 << 16);
        _startOffset = worker * corpusLength / options.Thread;
        _endOfSentenceId = dictionary.GetId(Tokenization.Word.WhitespaceTokenReader.EndOfSentence);
        _hidden = new float[options.Dim];
        _grad = new float[options.Dim];
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private void SkipGram(int length, float lr)
    {
        var ws = _options.Ws;
        for (var w = 0; w < length; w++)
        {
            var boundary = 1 + _random.NextInt(ws);
            var id = _line[w];
            var rows = _subwordRows.AsSpan(_subwordStarts[id], _subwordStarts[id + 1] - _subwordStarts[id]);
            for (var c = -boundary; c <= boundary; c++)
            {
                if (c != 0 && w + c >= 0 && w + c < length)
                {
                    Update(rows, _line[w + c], lr);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private void Cbow(int length, float lr)
    {
        var ws = _options.Ws;
        for (var w = 0; w < length; w++)
        {
            var boundary = 1 + _random.NextInt(ws);
            var count = 0;
            for (var c = -boundary; c <= boundary; c++)
            {
                if (c != 0 && w + c >= 0 && w + c < length)
                {
                    var id = _line[w + c];
                    var start = _subwordStarts[id];
                    var n = _subwordStarts[id + 1] - start;
                    Array.Copy(_subwordRows, start, _bow, count, n);
                    count += n;
                }
            }

            Update(_bow.AsSpan(0, count), _line[w], lr);
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

        var dim = _options.Dim;
        var hidden = _hidden.AsSpan();
        var grad = _grad.AsSpan();
        new ReadOnlySpan<float>(_input.Row(rows[0]), dim).CopyTo(hidden);
        for (var i = 1; i < rows.Length; i++)
        {
            TensorPrimitives.Add(hidden, new ReadOnlySpan<float>(_input.Row(rows[i]), dim), hidden);
        }

        if (rows.Length > 1)
        {
            TensorPrimitives.Multiply(hidden, 1f / rows.Length, hidden);
        }

        grad.Clear();
        var loss = _loss switch
        {
            FastTextLoss.HierarchicalSoftmax => HierarchicalSoftmax(target, lr, hidden, grad, dim),
            FastTextLoss.Softmax => Softmax(target, lr, hidden, grad, dim),
            _ => NegativeSampling(target, lr, hidden, grad, dim),
        };
        _lossSum += loss;
        _lossCount++;
        for (var i = 0; i < rows.Length; i++)
        {
            var row = new Span<float>(_input.Row(rows[i]), dim);
            TensorPrimitives.Add(row, grad, row);
        }
    }

    /// <summary>fastText's NegativeSamplingLoss::forward: the target as positive, then Neg negatives ≠ target drawn
    /// uniformly from the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private float NegativeSampling(int target, float lr, Span<float> hidden, Span<float> grad, int dim)
    {
        var loss = BinaryLogistic(target, true, lr, hidden, grad, dim);
        if (!_singleWord)
        {
            for (var n = 0; n < _options.Neg; n++)
            {
                int negative;
                do
                {
                    negative = _negatives[_random.NextInt(_negatives.Length)];
                }
                while (negative == target);
                loss += BinaryLogistic(negative, false, lr, hidden, grad, dim);
            }
        }

        return loss;
    }

    /// <summary>fastText's HierarchicalSoftmaxLoss::forward: binary logistic on each inner node of the target's
    /// Huffman path, label = the path's code at that node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: full JIT at once, not tier 0 first
    private float HierarchicalSoftmax(int target, float lr, Span<float> hidden, Span<float> grad, int dim)
    {
        var path = _tree!.Path(target);
        var code = _tree.Code(target);
        var loss = 0f;
        for (var i = 0; i < path.Length; i++)
        {
            loss += BinaryLogistic(path[i], code[i], lr, hidden, grad, dim);
        }

        return loss;
    }

    /// <summary>fastText's SoftmaxLoss::forward: p = softmax(out·hidden) over every word (exact exp, max subtracted);
    /// for each word i, α = lr·([i = target] − p_i), grad += α·out[i], out[i] += α·hidden; loss −log p_target (table log).</summary>
    private float Softmax(int target, float lr, Span<float> hidden, Span<float> grad, int dim)
    {
        var scores = _scores.AsSpan();
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(hidden, new ReadOnlySpan<float>(_output.Row(i), dim));
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
            var output = new Span<float>(_output.Row(i), dim);
            var alpha = lr * ((i == target ? 1f : 0f) - scores[i]);
            TensorPrimitives.MultiplyAdd(output, alpha, grad, grad);
            TensorPrimitives.MultiplyAdd(hidden, alpha, output, output);
        }

        return -LogisticTables.Log(scores[target]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float BinaryLogistic(int target, bool positive, float lr, Span<float> hidden, Span<float> grad, int dim)
    {
        var output = new Span<float>(_output.Row(target), dim);
        var score = LogisticTables.Sigmoid(TensorPrimitives.Dot(hidden, output));
        var alpha = lr * ((positive ? 1f : 0f) - score);
        TensorPrimitives.MultiplyAdd(output, alpha, grad, grad);
        TensorPrimitives.MultiplyAdd(hidden, alpha, output, output);
        return positive ? -LogisticTables.Log(score) : -LogisticTables.Log(1f - score);
    }
}
