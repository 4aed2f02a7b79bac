using System.Runtime.InteropServices;

namespace EmbedSharp.Numerics;

/// <summary>
/// Native blocks for the trainers' large matrices. A block of 2 MiB or more is aligned to 2 MiB and, on Linux, marked
/// with madvise(MADV_HUGEPAGE) before it is first touched, so that a kernel whose transparent huge pages are in
/// "madvise" mode (Debian's default) backs it with 2 MiB pages: first touching the block takes 512 times fewer page
/// faults (clearing an 800 MB subword matrix took 1.3 s instead of 2.1 s on the machine of docs/performance.md; the
/// training loops' random row accesses did not measurably change). Nothing else changes: where the advice is refused
/// or the platform has no such call, the block is an ordinary one. The .NET runtime has no managed call for this (its
/// System.Native MAdvise passes only MADV_DONTFORK).
/// </summary>
internal static unsafe partial class HugePages
{
    /// <summary>The size of an x86-64 / arm64 Linux huge page.</summary>
    public const nuint Size = 2 << 20;

    private const int MadviseHugePage = 14; // MADV_HUGEPAGE in Linux's uapi/asm-generic/mman-common.h

    private static bool _unavailable;

    /// <summary>An uninitialised block of <paramref name="bytes"/> (at least 64) bytes, 64-byte aligned, huge-page
    /// backed where the kernel agrees (see the type's remarks). Free it with <see cref="Free"/>.</summary>
    public static void* Allocate(nuint bytes)
    {
        bytes = Math.Max(bytes, 64);
        if (bytes < Size || !OperatingSystem.IsLinux())
        {
            return NativeMemory.AlignedAlloc(bytes, 64);
        }

        var rounded = (bytes + Size - 1) & ~(Size - 1); // whole huge pages, all of them ours
        var p = NativeMemory.AlignedAlloc(rounded, Size);
        Advise(p, rounded);
        return p;
    }

    /// <summary>Frees a block from <see cref="Allocate"/>.</summary>
    public static void Free(void* p) => NativeMemory.AlignedFree(p);

    private static void Advise(void* p, nuint bytes)
    {
        if (Volatile.Read(ref _unavailable))
        {
            return;
        }

        try
        {
            _ = Madvise(p, bytes, MadviseHugePage); // −1 (EINVAL) on kernels built without THP: the block stays as it is
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref _unavailable, true);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
