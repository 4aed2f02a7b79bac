using System.Runtime.InteropServices;

namespace EmbedSharp.Numerics.Formats;

/// <summary>What a path names once symbolic links are followed: a regular file, a directory, a pipe (FIFO), a
/// device, a socket; <see cref="Missing"/> when nothing is there and <see cref="Unknown"/> when the platform cannot
/// tell.</summary>
internal enum FileKind
{
    Unknown,
    Missing,
    Regular,
    Directory,
    Pipe,
    Device,
    Socket,
}

/// <summary>
/// Tells a regular file from a FIFO or a device. .NET's public file APIs cannot: a FIFO, <c>/dev/null</c>,
/// <c>/dev/full</c> and an empty file all look alike to <see cref="FileInfo"/> (attributes Normal, length 0), and
/// <c>/dev/zero</c> even reports that it can seek. The runtime's own native shim (libSystem.Native, shipped with every
/// .NET runtime on Unix) exports <c>SystemNative_Stat</c>, whose result begins with two 32-bit fields, flags then the
/// POSIX <c>st_mode</c>; only that mode word is read, into a buffer far larger than the structure, so later fields
/// may change freely. Where the call is not available (Windows, a runtime without the export) the answer is
/// <see cref="FileKind.Unknown"/> and callers fall back to what the stream says.
/// </summary>
internal static partial class FileKinds
{
    private const int TypeMask = 0xF000; // S_IFMT, 0170000
    private const int Fifo = 0x1000;
    private const int CharDevice = 0x2000;
    private const int DirectoryType = 0x4000;
    private const int BlockDevice = 0x6000;
    private const int RegularType = 0x8000;
    private const int SocketType = 0xC000;

    /// <summary>What <paramref name="path"/> is, following symbolic links.</summary>
    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return File.Exists(path) ? FileKind.Regular : Directory.Exists(path) ? FileKind.Directory : FileKind.Missing;
        }

        int mode;
        try
        {
            mode = StatMode(path);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return FileKind.Unknown;
        }

        if (mode < 0)
        {
            return File.Exists(path) || Directory.Exists(path) ? FileKind.Unknown : FileKind.Missing;
        }

        return (mode & TypeMask) switch
        {
            RegularType => FileKind.Regular,
            DirectoryType => FileKind.Directory,
            Fifo => FileKind.Pipe,
            CharDevice or BlockDevice => FileKind.Device,
            SocketType => FileKind.Socket,
            _ => FileKind.Unknown,
        };
    }

    /// <summary>The st_mode of <paramref name="path"/>, or −1 when stat fails (no such file, no permission).</summary>
    private static unsafe int StatMode(string path)
    {
        const int BufferBytes = 512; // the structure is about 130 bytes today
        var buffer = stackalloc byte[BufferBytes];
        return Stat(path, buffer) != 0 ? -1 : ((int*)buffer)[1];
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* output);
}
