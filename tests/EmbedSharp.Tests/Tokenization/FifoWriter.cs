using System.Diagnostics;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>A FIFO (<c>mkfifo</c>) in a fresh temporary directory and a writer that feeds it on its own thread, as
/// <c>&lt;(…)</c> would. Dispose unblocks a writer that is still waiting for a reader (or writing an endless stream),
/// waits for it and deletes the directory. Not available on Windows (<see cref="Supported"/>).</summary>
internal sealed class FifoWriter : IDisposable
{
    private readonly DirectoryInfo _dir;
    private readonly Task _writer;

    public FifoWriter(string name, Action<Stream> write)
    {
        _dir = Directory.CreateTempSubdirectory("embedsharp-fifo-");
        Path = System.IO.Path.Combine(_dir.FullName, name);
        using (var mk = Process.Start("mkfifo", Path))
        {
            mk.WaitForExit();
        }

        _writer = Task.Factory.StartNew(() =>
        {
            try
            {
                using var stream = new FileStream(Path, FileMode.Open, FileAccess.Write);
                write(stream);
            }
            catch (IOException)
            {
                // the reader closed its end first (it refused the input or stopped at a bound)
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public static bool Supported => !OperatingSystem.IsWindows();

    public string Path { get; }

    /// <summary>Writes <paramref name="bytes"/>, repeated without end.</summary>
    public static Action<Stream> Endless(byte[] bytes) => stream =>
    {
        while (true)
        {
            stream.Write(bytes);
        }
    };

    public void Dispose()
    {
        try
        {
            if (!_writer.Wait(TimeSpan.FromMilliseconds(200)))
            {
                // Open and close a read end (read-write: on Linux that never blocks, even if the writer has just
                // finished): a writer blocked in open() returns, and its next write fails.
                using (new FileStream(Path, FileMode.Open, FileAccess.ReadWrite))
                {
                }
            }

            Assert.True(_writer.Wait(TimeSpan.FromSeconds(30)), "the FIFO writer did not stop");
        }
        finally
        {
            _dir.Delete(recursive: true);
        }
    }
}
