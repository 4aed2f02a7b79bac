namespace EmbedSharp.Tests.Fuzz;

/// <summary>One file of a fuzz input; <see cref="Name"/> is its file name (extensions matter to some readers).</summary>
internal sealed record FuzzFile(string Name, byte[] Bytes);

/// <summary>A valid input of a reader: one or more files, the first being the one the reader is given (the others sit
/// beside it, e.g. the word list of an .npy matrix or the merges of a BPE vocabulary).</summary>
internal sealed record FuzzSeed(string Name, FuzzFile[] Files)
{
    public long TotalBytes => Files.Sum(f => (long)f.Bytes.Length);
}

/// <summary>Thrown by a target's check when a reader accepted an input but what it returned is wrong.</summary>
internal sealed class FuzzCheckException(string message) : Exception(message);

/// <summary>
/// A reader under test: its public entry point (<see cref="Read"/>, given the paths of the case's files in seed order)
/// and a sanity check of what it returned (<see cref="Check"/>; throws <see cref="FuzzCheckException"/>, and any other
/// exception it throws is a failure too, since a loaded model or table must be usable).
/// </summary>
internal sealed class FuzzTarget
{
    private readonly Lazy<IReadOnlyList<FuzzSeed>> _seeds;

    public FuzzTarget(string name, Func<IReadOnlyList<FuzzSeed>> seeds, Func<string[], object> read, Action<object, FuzzSeed> check)
    {
        Name = name;
        _seeds = new Lazy<IReadOnlyList<FuzzSeed>>(seeds);
        Read = read;
        Check = check;
    }

    public string Name { get; }

    /// <summary>The valid inputs mutations start from; built once per process.</summary>
    public IReadOnlyList<FuzzSeed> Seeds => _seeds.Value;

    public Func<string[], object> Read { get; }

    /// <summary>Checks an accepted result against the (mutated) input it came from.</summary>
    public Action<object, FuzzSeed> Check { get; }

    /// <summary>True when the first file is gzip-compressed: half of the mutations then change the decompressed text
    /// and compress it again (so they reach the reader, not only the gzip checksum), and the endless line is a small
    /// file that decompresses to far more than any line bound.</summary>
    public bool Gzip { get; init; }

    /// <summary>True for text formats read line by line or token by token: the endless line (no line break in
    /// megabytes) must be refused, by the reader's bound on one line: allocating little, not holding the line.</summary>
    public bool LineBased { get; init; }

    /// <summary>True when the reader is given a stream without a name (a pipe): its messages say "stream" instead of
    /// naming the file, and are still checked to be one line.</summary>
    public bool UnnamedInput { get; init; }

    /// <summary>The file of a seed the endless line goes to (e.g. the merges of a BPE vocabulary).</summary>
    public int EndlessFile { get; init; }

    public override string ToString() => Name;
}
