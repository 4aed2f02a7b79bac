using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EmbedSharp.Numerics;

/// <summary>
/// A dense float32 tensor of any rank, stored row-major (C order) with 64-bit element counts.
/// Shape: (d0, d1, …, dk); element (i0, …, ik) sits at flat offset Σ i_j·stride_j with stride_k = 1.
/// </summary>
/// <remarks>
/// Storage is one array when the tensor fits in one (up to <see cref="DefaultChunkElements"/> elements),
/// otherwise a list of chunks that each hold a whole number of rows (a row is one slice along the first
/// dimension), so that a 10M × 300 table (3·10⁹ floats, more than one .NET array holds) still works and
/// <see cref="Row(long)"/> is always one contiguous span. Chunks hold a multiple of 16 rows where they can, so
/// 16-wide block kernels rarely straddle a chunk; those that must (PyTorch's normal fill) handle it.
/// <para>PyTorch name: a CPU <c>torch.FloatTensor</c> (dtype float32). The name also keeps it apart from
/// <c>System.Numerics.Tensors.Tensor</c>, so code may import both namespaces.</para>
/// </remarks>
public sealed partial class FloatTensor : IDisposable
{
    private int _version;
    private int _disposed; // 1 once Dispose ran

    // Whether Dispose may hand the storage to TensorStoragePool: one pinned, aligned array that this tensor allocated (or
    // took from the pool) and that no view or wrapper shares. Reshape and TryAsTensor clear it.
    private bool _recyclable;

    /// <summary>How many in-place changes the library made to the values (optimiser steps, renormalisation, state
    /// loading); autograd compares it at backward with the value it had at forward (torch: <c>_version</c>). Writes
    /// through <see cref="AsSpan()"/> are not counted.</summary>
    internal int Version => Volatile.Read(ref _version);

    /// <summary>Records an in-place change of the values.</summary>
    internal void BumpVersion() => Interlocked.Increment(ref _version);

    /// <summary>Largest chunk this type allocates by default: 2^30 floats (4 GiB).</summary>
    public const long DefaultChunkElements = 1L << 30;

    private readonly long[] _shape;
    private readonly float[][] _chunks; // managed storage (empty when _native is set)
    private readonly int[] _chunkStarts; // where each chunk's first element sits in its array (alignment padding)
    private readonly nint _native; // external storage: base of Length contiguous floats (e.g. a memory-mapped file)
    private readonly object? _owner; // keeps external storage alive
    private readonly int _chunkCount;
    private readonly long _chunkElements; // elements per full chunk; a multiple of the row length

    /// <summary>Creates a zero-filled tensor of the given shape (from storage a disposed tensor gave back, when there is
    /// some of the right size: see <see cref="Dispose"/>).</summary>
    /// <param name="shape">The size of each dimension; an empty shape is a scalar with one element.</param>
    public FloatTensor(params long[] shape)
        : this(shape, DefaultChunkElements)
    {
    }

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public FloatTensor(ReadOnlySpan<long> shape)
        : this(shape.ToArray(), DefaultChunkElements)
    {
    }

    /// <summary>Creates a zero-filled tensor whose storage is split into chunks of at most about
    /// <paramref name="maxChunkElements"/> elements (tests use small values to exercise chunking).</summary>
    internal FloatTensor(long[] shape, long maxChunkElements)
    {
        _shape = ValidateShape(shape);
        Length = Product(_shape);
        RowLength = _shape.Length == 0 ? 1 : (_shape[0] == 0 ? Product(_shape.AsSpan(1)) : Length / _shape[0]);
        _chunkElements = ChooseChunkElements(Length, RowLength, maxChunkElements);
        var chunkCount = Length == 0 ? 1 : (int)((Length + _chunkElements - 1) / _chunkElements);
        _chunks = new float[chunkCount][];
        _chunkStarts = new int[chunkCount];
        _chunkCount = chunkCount;
        if (chunkCount == 1 && IsPoolSize(Length) && TensorStoragePool.TryTake((int)Length, out var reused))
        {
            // storage a disposed tensor gave back: cleared here, where new memory would come zeroed from the system
            (_chunks[0], _chunkStarts[0]) = reused;
            _chunks[0].AsSpan(reused.Start, (int)Length).Clear();
            _recyclable = true;
            return;
        }

        for (var c = 0; c < chunkCount; c++)
        {
            var size = (int)Math.Min(_chunkElements, Length - (c * _chunkElements));
            (_chunks[c], _chunkStarts[c]) = AllocateChunk(size);
        }

        _recyclable = chunkCount == 1 && IsPinnedSize(Length);
    }

    /// <summary>Whether <see cref="AllocateChunk"/> makes a pinned, aligned array for this many elements.</summary>
    private static bool IsPinnedSize(long size) => size >= AlignedChunkThreshold && size <= Array.MaxLength - 15;

    /// <summary>Whether a tensor of this many elements takes its storage from <see cref="TensorStoragePool"/> when the
    /// pool has some.</summary>
    private static bool IsPoolSize(long size) => IsPinnedSize(size) && size <= TensorStoragePool.MaxPooledElements;

    /// <summary>Elements from which a chunk is allocated cache-line aligned (smaller ones are plain arrays): 128 KiB, above
    /// the large-object threshold (85,000 bytes), so aligned chunks live where large arrays live anyway (collected with
    /// generation 2), while small short-lived tensors stay cheap generation-0 arrays.</summary>
    internal const int AlignedChunkThreshold = 1 << 15;

    /// <summary>Allocates a zeroed chunk of <paramref name="size"/> floats. Chunks of at least
    /// <see cref="AlignedChunkThreshold"/> elements are pinned arrays (the pinned heap never moves them) whose used part starts on
    /// a 64-byte boundary, as PyTorch's CPU allocator aligns its storage: a row of 128 floats then spans 8 cache lines, not 9,
    /// and random-row gathers from a large table read an eighth less memory.</summary>
    private static (float[] Array, int Start) AllocateChunk(int size)
    {
        if (size == 0)
        {
            return ([], 0);
        }

        if (!IsPinnedSize(size))
        {
            return (new float[size], 0);
        }

        return AlignedStart(GC.AllocateArray<float>(size + 15, pinned: true));
    }

    /// <summary>A pinned array of at least <paramref name="size"/> floats after its 64-byte aligned start, contents
    /// unspecified (the garbage collector does not clear it).</summary>
    internal static (float[] Array, int Start) AllocateUninitialized(int size)
        => AlignedStart(GC.AllocateUninitializedArray<float>(size + 15, pinned: true));

    private static unsafe (float[] Array, int Start) AlignedStart(float[] array)
    {
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var start = (int)((64 - (address & 63)) & 63) / sizeof(float);
        return (array, start);
    }

    private FloatTensor(long[] shape, float[] data, int start = 0)
    {
        _shape = shape;
        Length = Product(shape);
        RowLength = _shape.Length == 0 ? 1 : (_shape[0] == 0 ? Product(_shape.AsSpan(1)) : Length / _shape[0]);
        _chunkElements = Math.Max(1, Length);
        _chunks = [data];
        _chunkStarts = [start];
        _chunkCount = 1;
    }

    private FloatTensor(long[] shape, nint native, object? owner)
    {
        _shape = shape;
        Length = Product(shape);
        RowLength = _shape.Length == 0 ? 1 : (_shape[0] == 0 ? Product(_shape.AsSpan(1)) : Length / _shape[0]);
        _chunkElements = ChooseChunkElements(Length, RowLength, DefaultChunkElements);
        _chunkCount = Length == 0 ? 1 : (int)((Length + _chunkElements - 1) / _chunkElements);
        _chunks = [];
        _chunkStarts = [];
        _native = native;
        _owner = owner;
    }

    /// <summary>Wraps external storage (no copy): <paramref name="pointer"/> addresses Length contiguous float32 values,
    /// row-major, that stay valid as long as <paramref name="owner"/> is alive (a memory-mapped view, say). The tensor keeps
    /// a reference to the owner.</summary>
    internal static FloatTensor FromPointer(nint pointer, object? owner, params long[] shape)
    {
        if (pointer == 0)
        {
            throw new ArgumentException("The storage pointer is null.", nameof(pointer));
        }

        return new FloatTensor(ValidateShape(shape), pointer, owner);
    }

    /// <summary>Whether the values live outside the managed heap (for example in a memory-mapped file).</summary>
    public bool IsExternal => _native != 0;

    /// <summary>Allocates storage for <paramref name="size"/> floats as a tensor chunk is allocated (a large one pinned and
    /// 64-byte aligned from <c>Start</c>), for pools that hand the same storage to several tensors in turn.</summary>
    internal static (float[] Array, int Start) AllocateStorage(int size) => AllocateChunk(size);

    /// <summary>A tensor of <paramref name="shape"/> over <paramref name="array"/> from <paramref name="start"/> (no copy; the
    /// array may be longer than the tensor).</summary>
    internal static FloatTensor OverStorage(ReadOnlySpan<long> shape, float[] array, int start) => new(ValidateShape(shape.ToArray()), array, start);

    /// <summary>A tensor of <paramref name="shape"/> whose elements are UNSPECIFIED (torch: <c>torch.empty</c>), for a
    /// kernel that writes every element: storage a disposed tensor gave back to <see cref="TensorStoragePool"/> when
    /// there is some of the right size, else a new pinned array the garbage collector does not clear. Small tensors
    /// (below <see cref="AlignedChunkThreshold"/> elements: cheap generation-0 arrays) and tensors of more than one chunk
    /// are allocated as usual.</summary>
    internal static FloatTensor Rent(ReadOnlySpan<long> shape)
    {
        var s = ValidateShape(shape.ToArray());
        var length = Product(s);
        if (!IsPoolSize(length))
        {
            return new FloatTensor(s, DefaultChunkElements);
        }

        var (array, start) = TensorStoragePool.TryTake((int)length, out var taken)
            ? taken
            : AllocateUninitialized(TensorStoragePool.Capacity((int)length));
        return new FloatTensor(s, array, start) { _recyclable = true };
    }

    /// <summary>Whether <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Ends this tensor's life (torch: what dropping the last reference to a tensor does): its storage goes back
    /// to a process-wide pool, from which the next results of the same size (an <see cref="Nn.Embedding"/> forward, say)
    /// take it, instead of new memory that the operating system must first map in and the garbage collector later
    /// collects. Call it (or <c>using</c>) on results a loop makes and drops; not needed for correctness.</summary>
    /// <remarks>
    /// <para>Afterwards every access (<see cref="AsSpan"/>, <see cref="Row"/>, the indexers, …) throws
    /// <see cref="ObjectDisposedException"/>, and a recorded backward that needs these values refuses to run (the
    /// in-place change check), instead of reading storage that another tensor now owns. A span taken BEFORE Dispose must
    /// not be used after it (as with <c>ArrayPool</c>). Disposing twice does nothing.</para>
    /// <para>Only a tensor that alone owns one managed array of at least <see cref="AlignedChunkThreshold"/> elements
    /// gives its storage back: never one over a caller's array (<see cref="FromArray"/>), external memory, more than one
    /// chunk, or storage shared with a view (<see cref="Reshape"/>, <see cref="TryAsTensor"/>), which stays valid for the
    /// other holders. The pool holds at most <see cref="TensorStoragePool.MaxPooledBytes"/> bytes and releases storage
    /// that no one took between two full (generation 2) garbage collections.</para>
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        BumpVersion();
        if (_recyclable)
        {
            _recyclable = false;
            var array = _chunks[0];
            _chunks[0] = []; // a stray internal access now fails instead of reading storage handed on
            TensorStoragePool.Return(array, _chunkStarts[0]);
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed != 0)
        {
            ThrowDisposed();
        }
    }

    private void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(FloatTensor), $"This tensor of shape {FormatShape(_shape)} was disposed; its storage may belong to another tensor now.");

    /// <summary>The one managed array that holds this tensor's elements, or null when it has several chunks or
    /// external storage: views (<see cref="Reshape"/>) of one tensor share it.</summary>
    internal float[]? StorageArray => _native == 0 && _chunkCount == 1 ? _chunks[0] : null;

    /// <summary>The object that owns external storage, or null.</summary>
    internal object? StorageOwner => _owner;

    /// <summary>Wraps <paramref name="data"/> (no copy) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array length.</exception>
    public static FloatTensor FromArray(float[] data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = ValidateShape(shape);
        if (Product(s) != data.Length)
        {
            throw new ArgumentException(
                $"Shape {FormatShape(s)} holds {Product(s)} elements but the array has {data.Length}.", nameof(shape));
        }

        return new FloatTensor(s, data);
    }

    /// <summary>Creates a tensor of the given shape holding a copy of <paramref name="values"/>.</summary>
    public static FloatTensor FromSpan(ReadOnlySpan<float> values, params long[] shape)
    {
        var t = new FloatTensor(shape);
        if (t.Length != values.Length)
        {
            throw new ArgumentException(
                $"Shape {FormatShape(t._shape)} holds {t.Length} elements but {values.Length} values were given.", nameof(shape));
        }

        t.CopyFrom(values);
        return t;
    }

    /// <summary>The size of each dimension.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The total number of elements (PyTorch: <c>numel()</c>).</summary>
    public long Length { get; }

    /// <summary>Elements in one row, the slice along the first dimension (1 for rank 0 and 1).</summary>
    public long RowLength { get; }

    /// <summary>The number of rows: the size of the first dimension (1 for a scalar).</summary>
    public long RowCount => _shape.Length == 0 ? 1 : _shape[0];

    /// <summary>The size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public long Size(int dim)
    {
        if (dim < 0)
        {
            dim += _shape.Length;
        }

        if ((uint)dim >= (uint)_shape.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), $"Dimension {dim} is out of range for a tensor of rank {_shape.Length}.");
        }

        return _shape[dim];
    }

    /// <summary>True when all elements live in one array, so <see cref="AsSpan"/> works.</summary>
    public bool IsSingleChunk => _chunkCount == 1;

    /// <summary>The number of storage chunks (1 unless the tensor is larger than one array).</summary>
    public int ChunkCount => _chunkCount;

    /// <summary>Elements held by every chunk but possibly the last.</summary>
    public long ChunkElements => _chunkElements;

    /// <summary>Chunk <paramref name="index"/> of the storage, in flat (row-major) order.</summary>
    public unsafe Span<float> Chunk(int index)
    {
        ThrowIfDisposed();
        if (_native == 0)
        {
            return _chunks[index].AsSpan(_chunkStarts[index], (int)Math.Min(_chunkElements, Length - (index * _chunkElements)));
        }

        if ((uint)index >= (uint)_chunkCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Chunk {index} is out of range for {_chunkCount} chunks.");
        }

        var start = index * _chunkElements;
        return new Span<float>((float*)_native + start, (int)Math.Min(_chunkElements, Length - start));
    }

    /// <summary>All elements as one span, flat row-major.</summary>
    /// <exception cref="InvalidOperationException">The tensor is stored in more than one chunk.</exception>
    public Span<float> AsSpan()
    {
        if (_chunkCount != 1)
        {
            throw new InvalidOperationException(
                $"A tensor of {Length} elements is stored in {_chunkCount} chunks; use Row() or Chunk() instead of AsSpan().");
        }

        return Chunk(0);
    }

    /// <summary>Row <paramref name="row"/> (the slice along the first dimension) as a span of <see cref="RowLength"/>.</summary>
    public Span<float> Row(long row)
    {
        ThrowIfDisposed();
        if ((ulong)row >= (ulong)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is out of range for a tensor with {RowCount} rows.");
        }

        var flat = row * RowLength;
        var chunk = (int)(flat / _chunkElements);
        var offset = (int)(flat - (chunk * _chunkElements));
        return _native == 0 ? _chunks[chunk].AsSpan(_chunkStarts[chunk] + offset, (int)RowLength) : NativeSpan(flat, (int)RowLength);
    }

    /// <summary>Gets or sets the element at flat row-major offset <paramref name="index"/>.</summary>
    public float this[long index]
    {
        get => ElementRef(index);
        set => ElementRef(index) = value;
    }

    /// <summary>Gets or sets the element at the given multi-dimensional position.</summary>
    public float this[params long[] indices]
    {
        get => ElementRef(FlatIndex(indices));
        set => ElementRef(FlatIndex(indices)) = value;
    }

    /// <summary>Returns the flat row-major offset of a multi-dimensional position, checking every index.</summary>
    public long FlatIndex(ReadOnlySpan<long> indices)
    {
        if (indices.Length != _shape.Length)
        {
            throw new ArgumentException($"{indices.Length} indices were given for a tensor of rank {_shape.Length}.", nameof(indices));
        }

        long flat = 0;
        for (var d = 0; d < _shape.Length; d++)
        {
            if ((ulong)indices[d] >= (ulong)_shape[d])
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {indices[d]} is out of range for dimension {d} of size {_shape[d]}.");
            }

            flat = (flat * _shape[d]) + indices[d];
        }

        return flat;
    }

    private ref float ElementRef(long index)
    {
        ThrowIfDisposed();
        if ((ulong)index >= (ulong)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Flat index {index} is out of range for a tensor of {Length} elements.");
        }

        var chunk = (int)(index / _chunkElements);
        if (_native != 0)
        {
            return ref NativeSpan(index, 1)[0];
        }

        return ref _chunks[chunk][_chunkStarts[chunk] + (int)(index - (chunk * _chunkElements))];
    }

    /// <summary>Returns a tensor with the same elements and a new shape of the same element count.
    /// Shares storage when the tensor is one chunk (then <see cref="Dispose"/> of either leaves the storage to the garbage
    /// collector); otherwise copies.</summary>
    public FloatTensor Reshape(params long[] shape)
    {
        ThrowIfDisposed();
        var s = ValidateShape(shape);
        if (Product(s) != Length)
        {
            throw new ArgumentException($"Cannot reshape {FormatShape(_shape)} ({Length} elements) to {FormatShape(s)}.", nameof(shape));
        }

        if (_native != 0)
        {
            return new FloatTensor(s, _native, _owner);
        }

        if (_chunkCount == 1)
        {
            _recyclable = false; // the view shares the array
            return new FloatTensor(s, _chunks[0], _chunkStarts[0]);
        }

        var t = new FloatTensor(s, DefaultChunkElements);
        long pos = 0;
        for (var i = 0; i < _chunkCount; i++)
        {
            var c = Chunk(i);
            t.WriteFlat(pos, c);
            pos += c.Length;
        }

        return t;
    }

    private unsafe Span<float> NativeSpan(long flat, int length) => new((float*)_native + flat, length);

    /// <summary>Formats a shape as PyTorch prints it, e.g. <c>(10000, 300)</c>.</summary>
    public static string FormatShape(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 1)
        {
            return $"({shape[0]},)";
        }

        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return "(" + string.Join(", ", parts) + ")";
    }

    /// <inheritdoc />
    public override string ToString() => $"FloatTensor{FormatShape(_shape)}";

    internal static long Product(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (var s in shape)
        {
            n = checked(n * s);
        }

        return n;
    }

    private static long[] ValidateShape(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (var s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            }
        }

        try
        {
            Product(shape);
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"Shape {FormatShape(shape)} has more than 2^63 elements.", nameof(shape));
        }

        return (long[])shape.Clone();
    }

    private static long ChooseChunkElements(long length, long rowLength, long maxChunkElements)
    {
        if (length <= maxChunkElements && length <= Array.MaxLength)
        {
            return Math.Max(1, length);
        }

        if (rowLength > Array.MaxLength || rowLength > maxChunkElements)
        {
            throw new ArgumentException($"A row of {rowLength} elements is larger than one storage chunk ({Math.Min(maxChunkElements, Array.MaxLength)}).");
        }

        // Whole rows per chunk, and a multiple of 16 rows so the element count is a multiple of 16.
        var limit = Math.Min(maxChunkElements, Array.MaxLength);
        var rows = limit / rowLength;
        if (rows >= 16)
        {
            rows -= rows % 16;
        }

        return rows * rowLength;
    }
}

/// <summary>Summary statistics of a tensor: element count, mean and population standard deviation (double), min, max.</summary>
public readonly record struct TensorStatistics(long Count, double Mean, double Std, float Min, float Max);
