using System.Diagnostics;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tests.Numerics.Formats;

public sealed class InputFileTests
{
    [Theory]
    [InlineData("a\nbb\r\nccc\rd", new[] { "a", "bb", "ccc", "d" }, true)]
    [InlineData("a\n\nb\n", new[] { "a", "", "b" }, false)]
    [InlineData("\r\n\r", new[] { "", "" }, false)]
    [InlineData("", new string[0], false)]
    public void Lines_end_as_TextReader_ReadLine_says_and_an_unterminated_last_line_is_reported(string text, string[] expected, bool unterminated)
    {
        // A buffer of 8192 chars is crossed with a "\r\n" split over it too.
        foreach (var prefix in new[] { "", new string('x', 8191) })
        {
            using var reader = new BoundedLineReader(new StringReader(prefix + text), 1 << 20, (m, l) => new InvalidDataException(m));
            var lines = new List<string>();
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }

            var expectedLines = expected.ToList();
            if (prefix.Length > 0)
            {
                if (expectedLines.Count == 0)
                {
                    expectedLines.Add(prefix);
                }
                else
                {
                    expectedLines[0] = prefix + expectedLines[0];
                }
            }

            Assert.Equal(expectedLines, lines);
            Assert.Equal(expectedLines.Count, reader.LineNumber);
            Assert.Equal(unterminated || (prefix.Length > 0 && text.Length == 0), reader.LastLineUnterminated);
        }
    }

    [Fact]
    public void A_line_over_the_bound_is_refused_with_its_number()
    {
        using var reader = new BoundedLineReader(new StringReader("ok\n" + new string('z', 100)), 50, (m, l) => new InvalidDataException($"{l}: {m}"));
        Assert.Equal("ok", reader.ReadLine());
        var e = Assert.Throws<InvalidDataException>(() => reader.ReadLine());
        Assert.StartsWith("2: Line 2 is longer than 50 characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_and_a_file_is_read_whole()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        Assert.Equal(FileKind.Device, FileKinds.Of("/dev/zero"));
        var e = Assert.Throws<IOException>(() => InputFile.Open("/dev/zero", seekableFor: null));
        Assert.Contains("'/dev/zero' is a device", e.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => InputFile.ReadAllBytes("/dev/zero", 1 << 20, "a model"));

        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            Assert.Equal([1, 2, 3], InputFile.ReadAllBytes(path, 3, "a model"));
            var big = Assert.Throws<IOException>(() => InputFile.ReadAllBytes(path, 2, "a model"));
            Assert.Contains("more than a model may take", big.Message, StringComparison.Ordinal);
            File.WriteAllBytes(path, []);
            Assert.Empty(InputFile.ReadAllBytes(path, 2, "a model"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_fifo_is_streamed_once_or_refused_where_a_reader_must_seek()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dir = Directory.CreateTempSubdirectory("fifo");
        try
        {
            var fifo = Path.Combine(dir.FullName, "in");
            using (var mk = Process.Start("mkfifo", fifo))
            {
                mk.WaitForExit();
            }

            var writer = Task.Run(() => File.WriteAllText(fifo, "payload"));
            Assert.Equal("payload"u8.ToArray(), InputFile.ReadAllBytes(fifo, 100, "a model"));
            await writer.WaitAsync(TimeSpan.FromSeconds(10));

            // No writer: the refusal must come before the open, which would wait for one for ever.
            var e = Assert.Throws<IOException>(() => InputFile.Open(fifo, seekableFor: "it is mapped"));
            Assert.Contains("is a pipe or FIFO, not a regular file, and it is mapped", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void File_kinds_are_told_apart()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dir = Directory.CreateTempSubdirectory("kinds");
        try
        {
            var file = Path.Combine(dir.FullName, "f");
            File.WriteAllBytes(file, []);
            Assert.Equal(FileKind.Regular, FileKinds.Of(file));
            Assert.Equal(FileKind.Directory, FileKinds.Of(dir.FullName));
            Assert.Equal(FileKind.Missing, FileKinds.Of(Path.Combine(dir.FullName, "none")));
            Assert.Equal(FileKind.Device, FileKinds.Of("/dev/null"));
            var link = Path.Combine(dir.FullName, "link");
            File.CreateSymbolicLink(link, "/dev/null");
            Assert.Equal(FileKind.Device, FileKinds.Of(link));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
