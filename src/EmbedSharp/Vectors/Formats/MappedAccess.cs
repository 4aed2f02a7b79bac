namespace EmbedSharp.Vectors.Formats;

/// <summary>How a memory-mapped table may be touched. Both map the file read-only on disk (the file is opened for
/// reading only and never changes) and share its pages with every other process that maps it.</summary>
public enum MappedAccess
{
    /// <summary>Private copy-on-write pages (POSIX <c>MAP_PRIVATE</c>, Windows <c>FILE_MAP_COPY</c>): reads share the page
    /// cache; a write (fine-tuning, <c>max_norm</c>) copies only the touched page into this process. The default, because
    /// a stray write cannot crash the process.</summary>
    CopyOnWrite,

    /// <summary>Read-only pages (<c>MemoryMappedFileAccess.Read</c>): writing to the tensor crashes the process with an
    /// access violation. Use it where strict overcommit accounting (<c>vm.overcommit_memory=2</c>) refuses a large
    /// writable private mapping.</summary>
    ReadOnly,
}
