using System.IO.MemoryMappedFiles;

namespace EmbedSharp.Vectors.Formats;

/// <summary>
/// A whole file mapped into memory (opened for reading only), with its base pointer acquired. It is the storage owner
/// of tensors made with <c>FloatTensor.FromPointer</c>: disposing it unmaps the file, after which those tensors must not
/// be touched. Replacing the file by rename (as <see cref="Numerics.Formats.AtomicFile"/> does) leaves this mapping on
/// the old contents (POSIX keeps the old inode alive while mapped).
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private MappedFile(MemoryMappedFile file, MemoryMappedViewAccessor view, byte* pointer, long length)
    {
        _file = file;
        _view = view;
        _pointer = pointer;
        Length = length;
    }

    /// <summary>The first byte of the file.</summary>
    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(MappedFile));

    /// <summary>The file length in bytes when it was mapped.</summary>
    public long Length { get; }

    /// <summary>Maps all of <paramref name="stream"/>'s file (which this object then owns) with the given access.</summary>
    public static MappedFile Map(FileStream stream, MappedAccess access)
    {
        var length = stream.Length;
        var fileAccess = access == MappedAccess.CopyOnWrite ? MemoryMappedFileAccess.CopyOnWrite : MemoryMappedFileAccess.Read;
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, fileAccess, HandleInheritability.None, leaveOpen: false);
            view = file.CreateViewAccessor(0, length, fileAccess);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(file, view, pointer + view.PointerOffset, length);
        }
        catch
        {
            view?.Dispose();
            if (file is not null)
            {
                file.Dispose();
            }
            else
            {
                stream.Dispose();
            }

            throw;
        }
    }

    /// <summary>Bytes [offset, offset + length) of the mapping; the caller has checked the range.</summary>
    public ReadOnlySpan<byte> Bytes(long offset, int length) => new(Pointer + offset, length);

    public void Dispose()
    {
        if (_pointer == null)
        {
            return;
        }

        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
