<#
.SYNOPSIS
Installs nxcred for the current user, from a release archive (no Go needed) or a checkout.

.DESCRIPTION
Installs from one of, and says which:
  a checkout                    builds nxcred with the local Go toolchain
  an unpacked release archive   run .\install.ps1 inside it; no Go needed
  -Archive FILE                 a release archive nxcred_*_windows_*.zip, checked against
                                checksums.txt when it lies beside FILE; no Go needed

Installs to %LOCALAPPDATA%\Programs\nxcred (or -Prefix):
  nxcred.exe, git-credential-nxcred.exe and docker-credential-nxcred.exe (copies:
  nxcred picks git's or docker's protocol from its own name), nxcred-completion.ps1,
  and install-manifest, the list of those files. Adds the folder to the user's PATH
  and runs the installed "nxcred version". Running it again replaces the same files.
  -Uninstall removes exactly the files in the manifest, the manifest, and the PATH entry.

The install folder holds programs only: nxcred's own files (profiles, cache, file
keyring) live under %LOCALAPPDATA%\nxcred, which nxcred creates itself.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File .\install.ps1

.EXAMPLE
powershell -ExecutionPolicy Bypass -File .\install.ps1 -Archive .\nxcred_v1.0.0_windows_amd64.zip
#>
[CmdletBinding()]
param(
    [string]$Prefix = (Join-Path $env:LOCALAPPDATA 'Programs\nxcred'),
    [string]$Archive = '',
    [switch]$Uninstall
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Say([string]$Message) { [Console]::Error.WriteLine("install.ps1: $Message") }
function Fail([string]$Message) { [Console]::Error.WriteLine("install.ps1: error: $Message"); exit 1 }

# Relative paths are relative to PowerShell's location, which .NET's own
# current folder does not follow.
$Prefix = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Prefix).TrimEnd('\')
if ($Archive -ne '') { $Archive = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Archive) }
$Manifest = Join-Path $Prefix 'install-manifest'
$Names = @('nxcred.exe', 'git-credential-nxcred.exe', 'docker-credential-nxcred.exe', 'nxcred-completion.ps1')

# The user's PATH is edited in the registry, keeping its value type, because
# [Environment]::SetEnvironmentVariable would turn a REG_EXPAND_SZ PATH into
# REG_SZ and break entries such as %USERPROFILE%\bin.
function Set-UserPath([bool]$Present) {
    $key = [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Environment', $true)
    try {
        $old = [string]$key.GetValue('Path', '', 'DoNotExpandEnvironmentNames')
        $kind = 'ExpandString'
        if ($old -ne '') { $kind = $key.GetValueKind('Path') }
        $parts = @($old -split ';' | Where-Object { $_ -ne '' -and $_.TrimEnd('\') -ne $Prefix })
        if ($Present) { $parts += $Prefix }
        $new = $parts -join ';'
        if ($new -eq $old) { return }
        $key.SetValue('Path', $new, $kind)
    } finally { $key.Close() }
    # Setting any user variable through .NET broadcasts WM_SETTINGCHANGE, so new
    # terminals started from Explorer see the new PATH.
    [Environment]::SetEnvironmentVariable('NXCRED_INSTALL_TMP', '1', 'User')
    [Environment]::SetEnvironmentVariable('NXCRED_INSTALL_TMP', $null, 'User')
    if ($Present) { Say "added $Prefix to your user PATH; open a new terminal to use it" }
    else { Say "removed $Prefix from your user PATH" }
}

if ($Uninstall) {
    if (-not (Test-Path -LiteralPath $Manifest -PathType Leaf)) {
        Say "nothing to uninstall: no $Manifest"
        exit 0
    }
    foreach ($f in Get-Content -LiteralPath $Manifest) {
        if ($f -eq '') { continue }
        # Only names this script installs, only in the prefix: a damaged
        # manifest cannot make it delete anything else.
        if ((Split-Path -Parent $f) -ne $Prefix -or $Names -notcontains (Split-Path -Leaf $f)) {
            Say "skipping '$f' from the manifest: not a file install.ps1 installs"
            continue
        }
        if (Test-Path -LiteralPath $f -PathType Leaf) {
            Remove-Item -LiteralPath $f -Force
            Say "removed $f"
        }
    }
    Remove-Item -LiteralPath $Manifest -Force
    Say "removed $Manifest"
    if (-not (Get-ChildItem -LiteralPath $Prefix -Force)) { Remove-Item -LiteralPath $Prefix }
    Set-UserPath $false
    Say "uninstalled nxcred from $Prefix"
    exit 0
}

# Where nxcred comes from: a release archive (given, or the folder this script
# was unpacked with) needs no Go; a checkout is built with go -C and git -C,
# which leave the caller's session where it is.
$src = $PSScriptRoot
$from = $null
$isCheckout = [bool](Select-String -LiteralPath (Join-Path $src 'go.mod') -Pattern '^module github.com/nxcred/nxcred$' -Quiet -ErrorAction SilentlyContinue)
if ($Archive -eq '' -and -not $isCheckout -and -not (Test-Path -LiteralPath (Join-Path $src 'nxcred.exe') -PathType Leaf)) {
    Fail "$src holds neither an nxcred checkout (go.mod) nor a release archive's nxcred.exe: run install.ps1 from one of them, or pass -Archive FILE"
}
if ($Archive -eq '' -and $isCheckout -and -not (Get-Command go -ErrorAction SilentlyContinue)) {
    Fail 'go is not on PATH; install Go 1.26 or later from https://go.dev/dl/ and run .\install.ps1 again, or install a release archive (no Go needed)'
}

$tmp = Join-Path ([IO.Path]::GetTempPath()) ('nxcred-install.' + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
$saved = @{ CGO_ENABLED = $env:CGO_ENABLED; GOOS = $env:GOOS; GOARCH = $env:GOARCH }
try {
    $built = Join-Path $tmp 'nxcred.exe'
    if ($Archive -ne '') {
        if (-not (Test-Path -LiteralPath $Archive -PathType Leaf)) { Fail "-Archive ${Archive}: no such file" }
        if ($Archive -notlike '*.zip') { Fail "-Archive ${Archive}: want a release archive nxcred_VERSION_windows_ARCH.zip" }
        # checksums.txt from the same release, when it lies beside the archive.
        $base = Split-Path -Leaf $Archive
        $sums = Join-Path (Split-Path -Parent $Archive) 'checksums.txt'
        if (Test-Path -LiteralPath $sums -PathType Leaf) {
            $want = ''
            foreach ($line in Get-Content -LiteralPath $sums) {
                $parts = @($line.Trim() -split '\s+', 2)
                if ($parts.Count -eq 2 -and $parts[1].TrimStart('*') -eq $base) { $want = $parts[0].ToLowerInvariant() }
            }
            if ($want -eq '') { Fail "$sums does not list ${base}: is it from the same release?" }
            $got = (Get-FileHash -LiteralPath $Archive -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($got -ne $want) { Fail "$Archive does not match its SHA-256 in $sums (damaged or altered download); not installing it" }
            Say "$base matches its SHA-256 in $sums"
        }
        $unpacked = Join-Path $tmp 'unpacked'
        Expand-Archive -LiteralPath $Archive -DestinationPath $unpacked
        $found = @(Get-ChildItem -LiteralPath $unpacked -Directory | Where-Object { Test-Path -LiteralPath (Join-Path $_.FullName 'nxcred.exe') -PathType Leaf })
        if ($found.Count -ne 1) { Fail "$Archive holds no nxcred_*\nxcred.exe: not an nxcred release archive for Windows" }
        $from = $found[0].FullName
        Say "installing from the release archive $Archive (no Go needed)"
    } elseif ($isCheckout) {
        Say "installing from the checkout $src (building it with Go)"
    } else {
        $from = $src
        Say "installing from the unpacked release archive $src (no Go needed)"
    }

    if ($from) {
        Copy-Item -LiteralPath (Join-Path $from 'nxcred.exe') -Destination $built
        $ran = $false
        try { $null = & $built version 2>$null; $ran = ($LASTEXITCODE -eq 0) } catch { $ran = $false }
        if (-not $ran) { Fail "the nxcred.exe in $from does not run on this machine ($env:PROCESSOR_ARCHITECTURE): take the archive for this system" }
    } else {
        $version = ''
        $buildvcs = @()
        if ((Get-Command git -ErrorAction SilentlyContinue) -and (Test-Path -LiteralPath (Join-Path $src '.git'))) {
            # try: Windows PowerShell 5.1 turns redirected stderr into a terminating
            # error under ErrorActionPreference Stop (say, git's "dubious ownership").
            try {
                $version = (& git -C $src describe --tags --always --dirty 2>$null | Out-String).Trim()
                if ($LASTEXITCODE -ne 0) { $version = '' }
            } catch { $version = '' }
        }
        if ($version -eq '') {
            $version = 'devel'
            $buildvcs = @('-buildvcs=false') # go build's VCS stamping fails without a working git
        }
        # Static build for this machine, whatever the session has set; restored
        # below so the caller's session is left as it was.
        $env:GOOS = (& go -C $src env GOHOSTOS).Trim()
        $env:GOARCH = (& go -C $src env GOHOSTARCH).Trim()
        $env:CGO_ENABLED = '0'
        Say "building nxcred $version for $($env:GOOS)/$($env:GOARCH)"
        & go -C $src build @buildvcs -trimpath -ldflags "-s -w -X main.buildVersion=$version" -o $built .
        if ($LASTEXITCODE -ne 0) { Fail 'go build failed (see above)' }
    }
    & $built completion powershell | Set-Content -LiteralPath (Join-Path $tmp 'nxcred-completion.ps1') -Encoding UTF8
    if ($LASTEXITCODE -ne 0) { Fail 'nxcred completion powershell failed' }

    New-Item -ItemType Directory -Force -Path $Prefix | Out-Null
    # The manifest goes first, so -Uninstall after an interrupted install still
    # finds every file.
    $part = "$Manifest.install-tmp"
    Set-Content -LiteralPath $part -Value @($Names | ForEach-Object { Join-Path $Prefix $_ }) -Encoding UTF8
    Move-Item -LiteralPath $part -Destination $Manifest -Force
    # Copy to a temporary name in the prefix, then rename over the old file, so
    # an interrupted install never leaves a half-written program. The git and
    # docker names are copies: nxcred picks the protocol from its own name.
    foreach ($name in $Names) {
        $source = 'nxcred.exe'
        if ($name -like '*.ps1') { $source = $name }
        $dest = Join-Path $Prefix $name
        $part = "$dest.install-tmp"
        Copy-Item -LiteralPath (Join-Path $tmp $source) -Destination $part -Force
        try { Move-Item -LiteralPath $part -Destination $dest -Force }
        catch {
            Remove-Item -LiteralPath $part -Force -ErrorAction SilentlyContinue
            Fail "could not replace $dest (is it running? close git, docker or nxcred and try again): $_"
        }
    }
} finally {
    foreach ($k in $saved.Keys) {
        if ($null -eq $saved[$k]) { Remove-Item -Path "Env:$k" -ErrorAction SilentlyContinue }
        else { Set-Item -Path "Env:$k" -Value $saved[$k] }
    }
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
}
Say "installed nxcred.exe, git-credential-nxcred.exe, docker-credential-nxcred.exe in $Prefix"

Set-UserPath $true
if (@($env:Path -split ';' | ForEach-Object { $_.TrimEnd('\') }) -notcontains $Prefix) { $env:Path = "$env:Path;$Prefix" }

$completion = Join-Path $Prefix 'nxcred-completion.ps1'
$line = ". '$($completion -replace "'", "''")'"
$profilePath = Get-Variable -Name PROFILE -ValueOnly -ErrorAction SilentlyContinue
$profileText = $null
if ($profilePath -and (Test-Path -LiteralPath $profilePath)) { $profileText = Get-Content -LiteralPath $profilePath -Raw }
if (-not $profileText -or -not $profileText.Contains($completion)) {
    Say "for tab completion, add this line to your PowerShell profile ($profilePath):"
    [Console]::Error.WriteLine("`n    $line`n")
}

& (Join-Path $Prefix 'nxcred.exe') version
if ($LASTEXITCODE -ne 0) { Fail "the installed $Prefix\nxcred.exe does not run" }
