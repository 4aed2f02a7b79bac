using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics;

/// <summary>The trainers' large native blocks: aligned as promised and usable end to end, whether or not the kernel
/// grants huge pages.</summary>
public sealed class HugePagesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData((2 << 20) - 4)]
    [InlineData((2 << 20) + 4)]
    [InlineData(5 << 20)]
    public unsafe void Blocks_are_aligned_and_usable_to_their_last_byte(int bytes)
    {
        var p = (byte*)HugePages.Allocate((nuint)bytes);
        try
        {
            Assert.Equal(0, (long)p % 64);
            if ((nuint)bytes >= HugePages.Size && OperatingSystem.IsLinux())
            {
                Assert.Equal(0, (long)p % (long)HugePages.Size);
            }

            new Span<byte>(p, bytes).Fill(0xA5);
            Assert.Equal(0xA5, p[bytes - 1]);
            Assert.Equal(0xA5, p[0]);
        }
        finally
        {
            HugePages.Free(p);
        }
    }
}
