namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// Everything read from a safetensors file: the <c>__metadata__</c> map and the named tensors, already converted
/// (float dtypes to float32 <see cref="FloatTensor"/>s, I32/I64 to int64). Tensors of dtypes this library does not
/// convert (U8, BOOL, …) are listed with their <see cref="SafetensorsTensorInfo"/> but their data is not kept.
/// </summary>
public sealed class SafetensorsContent
{
    private readonly Dictionary<string, Entry> _entries;
    private readonly string? _path;

    internal SafetensorsContent(IReadOnlyDictionary<string, string> metadata, List<Entry> entries, string? path)
    {
        Metadata = metadata;
        _path = path;
        _entries = new Dictionary<string, Entry>(entries.Count, StringComparer.Ordinal);
        var names = new string[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            _entries.Add(entries[i].Info.Name, entries[i]);
            names[i] = entries[i].Info.Name;
        }

        Names = names;
    }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names in the order their data appears in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>True if the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The header entry of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public SafetensorsTensorInfo GetInfo(string name) => Find(name).Info;

    /// <summary>
    /// FloatTensor <paramref name="name"/> as float32: F32, F16 and BF16 exactly, F64 rounded to nearest, I32/I64 converted
    /// (exact up to 2^24). For float dtypes every call returns the same instance; for integer dtypes a new tensor.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="TensorFormatException">The tensor's dtype is one this library does not convert.</exception>
    public FloatTensor GetTensor(string name)
    {
        var entry = Find(name);
        if (entry.Floats is not null)
        {
            return entry.Floats;
        }

        if (entry.Integers is { } ints)
        {
            var t = new FloatTensor(entry.Info.Shape.ToArray());
            for (var i = 0; i < ints.Length; i++)
            {
                t[i] = ints[i];
            }

            return t;
        }

        throw Unsupported(entry);
    }

    /// <summary>FloatTensor <paramref name="name"/> (I32 or I64) as an int64 index tensor; every call shares the same storage.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="InvalidOperationException">The tensor holds floats.</exception>
    /// <exception cref="TensorFormatException">The tensor's dtype is one this library does not convert.</exception>
    public IndexTensor GetIndexTensor(string name)
    {
        var entry = Find(name);
        if (entry.Integers is { } ints)
        {
            return new IndexTensor(ints, entry.Info.Shape.ToArray());
        }

        if (entry.Floats is not null)
        {
            throw new InvalidOperationException($"Tensor '{name}' holds {entry.Info.DType} values; only I32 and I64 tensors convert to an IndexTensor.");
        }

        throw Unsupported(entry);
    }

    private Entry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"The file has no tensor named '{name}'.");
    }

    private TensorFormatException Unsupported(Entry entry) =>
        new(FileFormatException.OneLine($"Tensor '{entry.Info.Name}' has dtype {SafetensorsConstants.DTypeNames[(int)entry.Info.DType]}, which is not converted; supported: F32, F64, F16, BF16, I32, I64."),
            _path, entry.FileOffset);

    /// <summary>A tensor's header entry, where its data starts in the file, and its converted values (at most one of
    /// <see cref="Floats"/> and <see cref="Integers"/>; neither for unsupported dtypes).</summary>
    internal sealed record Entry(SafetensorsTensorInfo Info, long FileOffset, FloatTensor? Floats, long[]? Integers);
}
