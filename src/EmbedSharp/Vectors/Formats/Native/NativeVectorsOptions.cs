namespace EmbedSharp.Vectors.Formats.Native;

/// <summary>Options for <see cref="NativeVectorsFile.Open"/>.</summary>
public sealed record NativeVectorsReadOptions
{
    /// <summary>How the mapped matrix may be touched (default: copy-on-write, so a write cannot crash the process).</summary>
    public MappedAccess Access { get; init; } = MappedAccess.CopyOnWrite;

    /// <summary>Use only the first N words (rows), like gensim's <c>limit</c>; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Accept a file whose writer recorded NaN or ±∞ in the matrix (default: refuse it).</summary>
    public bool AllowNonFinite { get; init; }
}

/// <summary>Options for <see cref="NativeVectorsFile.Write"/>.</summary>
public sealed record NativeVectorsWriteOptions
{
    /// <summary>Write NaN or ±∞ values and set the header flag that says so (default: refuse them).</summary>
    public bool AllowNonFinite { get; init; }
}
