<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../gui/help_dialogs.py" line="+138"/>
        <source>About F1 Studio</source>
        <extracomment>The libraries whose licences the About box lists (distribution names).</extracomment>
        <translation>关于 F1 Studio</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Paint regions, guides and masks, then render them with diffusion models on your own computer. Licensed under the Apache License 2.0.</source>
        <translation>绘制区域、引导和蒙版，然后在你自己的电脑上用扩散模型生成图片。基于 Apache License 2.0 许可发布。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>see the model&apos;s own card</source>
        <translation>请参阅该模型的模型卡</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Libraries</source>
        <translation>依赖库</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Library</source>
        <translation>库</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Models in use</source>
        <translation>正在使用的模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <location filename="../../gui/app.py" line="+34"/>
        <source>Could not open {name}: {error}</source>
        <translation>无法打开 {name}：{error}</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>{project} does not exist; started a new project</source>
        <translation>{project} 不存在，已新建项目</translation>
    </message>
</context>
<context>
    <name>Autosave</name>
    <message>
        <location filename="../../gui/autosave.py" line="+134"/>
        <source>Autosave works again</source>
        <translation>自动保存已恢复正常</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Autosave failed: {reason}</source>
        <translation>自动保存失败：{reason}</translation>
    </message>
</context>
<context>
    <name>CanvasInput</name>
    <message>
        <location filename="../../gui/canvas/input.py" line="+275"/>
        <source>Drop local image files or image data here</source>
        <translation>将本地图片文件或图像数据拖放到此处</translation>
    </message>
</context>
<context>
    <name>CanvasView</name>
    <message>
        <location filename="../../gui/canvas/view.py" line="+205"/>
        <source>Brush size {size} px</source>
        <translation>画笔大小 {size} px</translation>
    </message>
    <message>
        <location line="+175"/>
        <source>Result preview · Enter applies it as a layer · Esc hides it</source>
        <translation>结果预览 · Enter 应用为图层 · Esc 隐藏</translation>
    </message>
</context>
<context>
    <name>ChooseModelsDialog</name>
    <message>
        <location filename="../../gui/choose_models_dialog.py" line="+40"/>
        <source>IP-Adapter for SD1.5</source>
        <extracomment>(family, form label, example) of the IP-Adapter rows (the label translated where shown)</extracomment>
        <translation>SD1.5 的 IP-Adapter</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>IP-Adapter for SDXL</source>
        <translation>SDXL 的 IP-Adapter</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Redux for FLUX.1</source>
        <translation>FLUX.1 的 Redux</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>ControlNet for {kind} guides</source>
        <translation>{kind} 引导的 ControlNet</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+101"/>
        <source>e.g. {model} or a local folder</source>
        <translation>例如 {model} 或本地文件夹</translation>
    </message>
    <message>
        <location line="-95"/>
        <source>Base model (SD1.5, SDXL or FLUX.1)</source>
        <translation>基础模型（SD1.5、SDXL 或 FLUX.1）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a diffusers folder, a .safetensors checkpoint or a Hugging Face id</source>
        <translation>diffusers 文件夹、.safetensors 模型文件或 Hugging Face ID</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Depth estimator (for &apos;Depth from this image&apos;)</source>
        <translation>深度估计模型（用于“从此图提取深度”）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>default: depth-anything/Depth-Anything-V2-Small-hf</source>
        <translation>默认：depth-anything/Depth-Anything-V2-Small-hf</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>the Redux folder, e.g. {example}</source>
        <translation>Redux 文件夹，例如 {example}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>its .safetensors with image_encoder/ beside it, e.g. {example}</source>
        <translation>其 .safetensors 文件（同目录下需有 image_encoder/），例如 {example}</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Inpaint ControlNet for SD1.5</source>
        <translation>SD1.5 局部重绘 ControlNet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Allow pickled weights (.ckpt/.bin) — they can run code</source>
        <translation>允许 pickle 格式权重（.ckpt/.bin）——可能执行代码</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Models are used from disk or the Hugging Face cache; hub ids download when online.</source>
        <translation>模型从本地磁盘或 Hugging Face 缓存加载；联网时会下载 Hub ID 指定的模型。</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>{field}: {path} does not exist. Choose a model folder or file, or give a Hugging Face id (org/name).</source>
        <translation>{field}：{path} 不存在。请选择模型文件夹或文件，或填写 Hugging Face id（org/name）。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{field}: {reason}.</source>
        <translation>{field}：{reason}。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{field}: {name} is a {role} model, which this field does not take.</source>
        <translation>{field}：{name} 是{role}模型，此栏不接受。</translation>
    </message>
</context>
<context>
    <name>ClampingSpinBox</name>
    <message>
        <location filename="../../gui/panels/clamping_spin.py" line="+51"/>
        <source>{name} {typed} → {value}: from {min} to {max}</source>
        <translation>{name} {typed} → {value}：范围 {min} 到 {max}</translation>
    </message>
</context>
<context>
    <name>CurveEditor</name>
    <message>
        <location filename="../../gui/panels/curve_editor.py" line="+26"/>
        <source>Constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Structure first</source>
        <translation>先定结构</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Texture later</source>
        <translation>后加纹理</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ease in/out</source>
        <translation>缓入缓出</translation>
    </message>
    <message>
        <location line="+122"/>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shapes for the guide&apos;s strength over the steps</source>
        <translation>引导强度随步数变化的曲线形状</translation>
    </message>
</context>
<context>
    <name>CurvePlot</name>
    <message>
        <location line="-101"/>
        <source>Strength over the steps (left: first step, right: last; up to 2× the weight).
Drag a point up or down; the shaded parts are outside the guide&apos;s step range.</source>
        <translation>各步的强度（左：第一步，右：最后一步；最高为权重的 2×）。
上下拖动控制点；阴影部分位于引导的步数范围之外。</translation>
    </message>
</context>
<context>
    <name>DepthLegend</name>
    <message>
        <location filename="../../gui/canvas/depth_legend.py" line="+54"/>
        <source>far {value}</source>
        <translation>远 {value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>near {value}</source>
        <translation>近 {value}</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Depth</source>
        <translation>深度</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <location filename="../../gui/downloads_page.py" line="+31"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Family</source>
        <translation>系列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Role</source>
        <translation>用途</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>(non-commercial)</source>
        <translation>（非商用）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>, gated</source>
        <translation>，受限访问</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Size not listed: the download shows it once it starts</source>
        <translation>未列出大小：下载开始后会显示</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Choose a model to see its licence.</source>
        <translation>选择一个模型以查看其许可证。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Hugging Face token for gated models (optional; default: HF_TOKEN or hf auth login)</source>
        <translation>用于受限模型的 Hugging Face 令牌（可选；默认：HF_TOKEN 或 hf auth login）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>&lt;b&gt;{name}&lt;/b&gt; (&lt;a href=&apos;{page}&apos;&gt;{id}&lt;/a&gt;, about {size}): {description}&lt;br&gt;Licence: &lt;a href=&apos;{licence_url}&apos;&gt;{licence}&lt;/a&gt;{notes}. Downloading it means you accept its licence.</source>
        <translation>&lt;b&gt;{name}&lt;/b&gt;（&lt;a href=&apos;{page}&apos;&gt;{id}&lt;/a&gt;，约 {size}）：{description}&lt;br&gt;许可证：&lt;a href=&apos;{licence_url}&apos;&gt;{licence}&lt;/a&gt;{notes}。下载即表示你接受其许可证。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>You are offline (HF_HUB_OFFLINE is set): {name} cannot be downloaded now. Models already on this computer are on the Installed tab.</source>
        <translation>当前处于离线状态（已设置 HF_HUB_OFFLINE）：暂时无法下载 {name}。本机已有的模型在“已安装”标签页中。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Starting {name}…</source>
        <translation>正在开始下载 {name}…</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>file {number} of {total}</source>
        <translation>第 {number}/{total} 个文件</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Add it with Add LoRA… in the LoRAs list.</source>
        <translation>在 LoRA 列表中点击“添加 LoRA…”即可添加。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose its .safetensors as the IP-Adapter under Model ▸ Choose models…; reference pictures set to steer then use it.</source>
        <translation>在“模型 ▸ 选择模型…”中将其 .safetensors 选为 IP-Adapter；之后用于风格、主体或构图的参考图就会使用它。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose it on the Installed tab.</source>
        <translation>请在“已安装”标签页中选择它。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Downloaded {id}. {where}</source>
        <translation>已下载 {id}。{where}</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Download of {id} cancelled. Download it again to continue where it stopped.</source>
        <translation>已取消下载 {id}。再次下载即可从中断处继续。</translation>
    </message>
</context>
<context>
    <name>EngineStatus</name>
    <message>
        <location filename="../../gui/engine_status.py" line="+23"/>
        <source>Shapes world (demo model)</source>
        <translation>形状世界（演示模型）</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{name} ({label})</source>
        <translation>{name}（{label}）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Model: {name}</source>
        <translation>模型：{name}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>device: checking…</source>
        <translation>设备：检测中…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>GPU ({device})</source>
        <translation>GPU（{device}）</translation>
    </message>
</context>
<context>
    <name>FileWindow</name>
    <message>
        <location filename="../../gui/file_window.py" line="+76"/>
        <source>⚠ {message}</source>
        <translation>⚠ {message}</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name} * — F1 Studio</source>
        <translation>{name} * — F1 Studio</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name} — F1 Studio</source>
        <translation>{name} — F1 Studio</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the changes to this project first?</source>
        <translation>要先保存对此项目的更改吗？</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>F1 Studio projects</source>
        <translation>F1 Studio 项目</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Opened {name}</source>
        <translation>已打开 {name}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Save project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Saved {name}</source>
        <translation>已保存 {name}</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>A recovery copy of {name} from {when} holds changes that are not in the file. Restore it?</source>
        <translation>{name} 有一份 {when} 的恢复副本，其中包含文件里没有的更改。要恢复吗？</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>F1 Studio was told to stop ({signal}) with unsaved work in {name} (kept {when}). Restore it?</source>
        <translation>F1 Studio 被要求停止（{signal}）时，{name} 中还有未保存的工作（保存于 {when}）。要恢复吗？</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>F1 Studio did not close properly. Unsaved work in {name} (autosaved {when}) can be restored.</source>
        <translation>F1 Studio 上次未正常关闭。{name} 中未保存的工作（自动保存于 {when}）可以恢复。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Restore unsaved work</source>
        <translation>恢复未保存的工作</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard it</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not now</source>
        <translation>暂不</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not now keeps it: `f1studio recover --list` shows it later.</source>
        <translation>选择“暂不”会保留它：之后可用 `f1studio recover --list` 查看。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>The recovery copy cannot be opened: {error}</source>
        <translation>无法打开恢复副本：{error}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Restored {name} from its recovery copy — save to keep it</source>
        <translation>已从恢复副本还原 {name}——请保存以保留</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Autosave</source>
        <translation>自动保存</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write a recovery copy of unsaved work every (seconds, 0 = off):</source>
        <translation>为未保存的工作写入恢复副本的间隔（秒，0 = 关闭）：</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Autosave is off</source>
        <translation>自动保存已关闭</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Autosave every {seconds} s</source>
        <translation>每 {seconds} 秒自动保存</translation>
    </message>
</context>
<context>
    <name>GenerateController</name>
    <message>
        <location filename="../../gui/jobs.py" line="+134"/>
        <source>Choose a model first (Model ▸ Choose models…)</source>
        <translation>请先选择模型（模型 ▸ 选择模型…）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Queued ({waiting} waiting)</source>
        <translation>已排队（{waiting} 个等待中）</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Loading the {what} {name}… (Esc cancels once it is in memory)</source>
        <translation>正在加载{what}：{name}…（载入内存后可按 Esc 取消）</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Rendering… (Esc cancels)</source>
        <translation>生成中…（按 Esc 取消）</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>1 result</source>
        <translation>1 个结果</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} results</source>
        <translation>{count} 个结果</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Done in {seconds}s on {device}: {count} to preview; Apply (Enter) keeps one as a layer</source>
        <translation>已在 {device} 上完成，用时 {seconds} 秒：{count}待预览；“应用”（Enter）可将其一保留为图层</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Cancelled — nothing was changed</source>
        <translation>已取消——未做任何更改</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>That result is a layer already</source>
        <translation>该结果已经是图层</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>That result is {width}x{height}, the canvas {canvas_width}x{canvas_height}; not applied</source>
        <translation>该结果为 {width}x{height}，画布为 {canvas_width}x{canvas_height}；未应用</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Apply result</source>
        <translation>应用结果</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>guidance scale</source>
        <translation>引导系数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>scheduler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Settings of {label} reused (kept this project&apos;s {settings})</source>
        <translation>已复用 {label} 的设置（保留了本项目的{settings}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Settings of {label} reused</source>
        <translation>已复用 {label} 的设置</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Seed {seed} reused, and kept fixed</source>
        <translation>已复用种子 {seed} 并保持固定</translation>
    </message>
</context>
<context>
    <name>GuidanceSlider</name>
    <message>
        <location filename="../../gui/panels/guidance.py" line="+24"/>
        <source>Classifier-free guidance: how closely the picture follows the prompt.
Low = freer, softer; high = literal, harsher. 5-9 suits most models.</source>
        <translation>提示词引导系数（CFG）：画面遵循提示词的程度。
低 = 更自由、更柔和；高 = 更贴合字面、更生硬。多数模型适合 5-9。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Guidance</source>
        <translation>引导系数</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>{model} works best from {low} to {high}</source>
        <translation>{model} 的最佳范围为 {low} 到 {high}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Guidance {value} is low: the picture may drift from the prompt and look washed out ({useful}).</source>
        <translation>引导系数 {value} 偏低：画面可能偏离提示词并显得发灰（{useful}）。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Guidance {value} is high: expect burnt colours and mush ({useful}).</source>
        <translation>引导系数 {value} 偏高：容易烧图，色彩过饱和、细节糊成一团（{useful}）。</translation>
    </message>
</context>
<context>
    <name>GuideNames</name>
    <message>
        <location filename="../../gui/importing.py" line="+29"/>
        <source>Edges of {name}</source>
        <extracomment>The names of guides made from a picture (``ControlKind.picture_name``), for ``lupdate``</extracomment>
        <translation>{name} 的边缘</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Depth of {name}</source>
        <translation>{name} 的深度</translation>
    </message>
</context>
<context>
    <name>ImportController</name>
    <message>
        <location line="+50"/>
        <source>Import reference images</source>
        <translation>导入参考图</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import images as paint layers</source>
        <translation>将图片导入为绘画图层</translation>
    </message>
    <message>
        <location line="+31"/>
        <location line="+11"/>
        <source>Pasted image</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>The clipboard holds no image</source>
        <translation>剪贴板中没有图片</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>“{name}” is empty: import a picture (File ▸ Import image…), paste or drop one, then make a {kind} guide from it</source>
        <translation>“{name}”是空的：请先导入图片（文件 ▸ 导入图片为参考图…），或粘贴、拖入一张，再从中生成 {kind} 引导</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Making {guide}…</source>
        <translation>正在生成 {guide}…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Found no edges in “{name}”: no guide added</source>
        <translation>在“{name}”中未找到边缘：未添加引导</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Found no depth differences in “{name}”: no guide added</source>
        <translation>在“{name}”中未找到深度差异：未添加引导</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Added {guide}</source>
        <translation>已添加 {guide}</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Added reference image {name}</source>
        <translation>已添加参考图 {name}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Added paint layer {name}</source>
        <translation>已添加绘画图层 {name}</translation>
    </message>
</context>
<context>
    <name>LayerKind</name>
    <message>
        <location filename="../../gui/panels/layers_panel.py" line="+46"/>
        <source>Paint</source>
        <translation>绘画</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reference image</source>
        <translation>参考图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edge guide</source>
        <translation>边缘引导</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Depth guide</source>
        <translation>深度引导</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Inpaint mask</source>
        <translation>局部重绘蒙版</translation>
    </message>
</context>
<context>
    <name>LayerProperties</name>
    <message>
        <location filename="../../gui/panels/layer_properties.py" line="+69"/>
        <source>Trace only</source>
        <extracomment>the reference picture&apos;s uses as the window names them</extracomment>
        <translation>仅描摹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Style</source>
        <translation>风格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subject</source>
        <translation>主体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Composition</source>
        <translation>构图</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>No layer selected</source>
        <translation>未选择图层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Visible</source>
        <translation>可见</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Locked</source>
        <translation>锁定</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What this region shows…</source>
        <translation>此区域画的是什么…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What to avoid here…</source>
        <translation>此处要避免的内容…</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Which part of the denoising steps this guide acts on:
early steps set structure, late steps add texture</source>
        <translation>此引导作用于去噪过程的哪些步：
前期步数确定结构，后期步数增加纹理</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Loose (left): a light guide that holds the composition early, then lets go.
Strict (right): a strong guide over all the steps. Moves the weight, the step range and the strength curve together; edit them below for a custom mix.</source>
        <translation>宽松（左）：轻度引导，前期稳住构图，随后放开。
严格（右）：在所有步数中强力引导。会同时调整权重、步数范围和强度曲线；如需自定义组合，请在下方分别编辑。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The guide (or the reference) acts only inside this region layer&apos;s mask</source>
        <translation>引导（或参考图）仅在此区域图层的蒙版内起作用</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Control mode: -1 the prompt is more important, 0 balanced, 1 the guide is more important (AUTOMATIC1111&apos;s modes; graded in between)</source>
        <translation>控制模式：-1 提示词更重要，0 均衡，1 引导更重要（即 AUTOMATIC1111 的控制模式；中间值逐级过渡）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Denoising strength under the mask (1 = repaint fully)</source>
        <translation>蒙版内的重绘幅度（1 = 完全重绘）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Soften the mask edge inward by this many pixels</source>
        <translation>将蒙版边缘向内柔化的像素数</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Trace only: a picture to look at and trace; nothing reaches the model.
Style: the render takes its look (colours, brushwork, light); Subject: its content; Composition: its layout. Needs an IP-Adapter for the model&apos;s family (f1studio config --ip-adapter).</source>
        <translation>仅描摹：只供观看和描摹的图片，不会传给模型。
风格：生成结果采用其画风（色彩、笔触、光影）；主体：采用其内容；构图：采用其布局。需要与模型系列对应的 IP-Adapter（f1studio config --ip-adapter）。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Edges from this image</source>
        <translation>从此图提取边缘</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Depth from this image</source>
        <translation>从此图提取深度</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Negative</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steers</source>
        <translation>用途</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Control</source>
        <translation>控制</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LoRAs</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Active steps</source>
        <translation>生效步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strength curve</source>
        <translation>强度曲线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Limit to</source>
        <translation>限定区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strength</source>
        <translation>重绘幅度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Feather (px)</source>
        <translation>羽化 (px)</translation>
    </message>
    <message>
        <location line="+119"/>
        <source>Control: loose … strict</source>
        <translation>控制：宽松 … 严格</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>default: full weight on every step</source>
        <translation>默认：每一步均为满权重</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>custom: the parts below were set one by one</source>
        <translation>自定义：下方各项已分别设置</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>{level} of the way from loose to strict</source>
        <translation>从宽松到严格：{level}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>the whole canvas</source>
        <translation>整个画布</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>(a deleted region: the whole canvas)</source>
        <translation>（区域已删除：整个画布）</translation>
    </message>
    <message>
        <location line="+101"/>
        <source>balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the guide is more important</source>
        <translation>引导更重要</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>leaning to the guide ({share})</source>
        <translation>偏向引导（{share}）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the prompt is more important</source>
        <translation>提示词更重要</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>leaning to the prompt ({share})</source>
        <translation>偏向提示词（{share}）</translation>
    </message>
</context>
<context>
    <name>LayersPanel</name>
    <message>
        <location filename="../../gui/panels/layers_panel.py" line="+96"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add a layer above the selected one</source>
        <translation>在所选图层上方添加图层</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>{kind}…</source>
        <translation>{kind}…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete the selected layer</source>
        <translation>删除所选图层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Duplicate</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Copy the selected layer</source>
        <translation>复制所选图层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Erase everything painted on the selected layer (one undo step)</source>
        <translation>擦除所选图层上画的全部内容（一步撤销）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Move the selected layer toward the front (Up)</source>
        <translation>将所选图层向前移（上移）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Move the selected layer toward the back (Down)</source>
        <translation>将所选图层向后移（下移）</translation>
    </message>
    <message>
        <location line="+113"/>
        <source>Clear layer</source>
        <translation>清除图层</translation>
    </message>
    <message>
        <location line="+118"/>
        <source>Visible</source>
        <translation>可见</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Locked: its pixels and settings cannot change</source>
        <translation>锁定：其像素和设置无法更改</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>{kind}: {name}</source>
        <translation>{kind}：{name}</translation>
    </message>
</context>
<context>
    <name>LayoutControls</name>
    <message>
        <location filename="../../gui/panels/layout_controls.py" line="+27"/>
        <source>As named</source>
        <translation>按名称定形</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Boxes</source>
        <translation>矩形</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ellipses</source>
        <translation>椭圆</translation>
    </message>
    <message>
        <location line="+68"/>
        <location line="+57"/>
        <source>Layout</source>
        <translation>布局</translation>
    </message>
    <message>
        <location line="-54"/>
        <source>Make a region layer for each object the prompt places (“a red car on the left, a blue house on the right”), with the object&apos;s words as its prompt; the rest of the prompt stays for the whole picture. Regions you have changed are kept (Ctrl+Shift+L)</source>
        <translation>为提示词中摆放的每个物体（如“左边一辆红色汽车，右边一栋蓝色房子”）生成一个区域图层，以描述该物体的词作为其提示词；提示词的其余部分仍作用于整个画面。你改动过的区域会保留（Ctrl+Shift+L）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Before each render</source>
        <translation>每次生成前</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lay the prompt out again whenever you press Generate</source>
        <translation>每次点击“生成”时重新按提示词布局</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The shape of the regions Layout makes; &apos;As named&apos;: an ellipse for a circle, a ball or an oval, a triangle for a triangle or a pyramid, else a box</source>
        <translation>布局生成的区域形状；“按名称定形”：圆、球或椭圆形物体用椭圆，三角形或金字塔用三角形，其余用方框</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>Layout failed: {error}</source>
        <translation>布局失败：{error}</translation>
    </message>
</context>
<context>
    <name>LayoutNotes</name>
    <message>
        <location line="-110"/>
        <source>“{said}” does not say which side; read as {left} left of {right}</source>
        <translation>“{said}”没有说明在哪一侧；按 {left} 在 {right} 左边理解</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“{where}” could describe “{that}” only; read as “{this}” too</source>
        <translation>“{where}”可能只描述“{that}”；也按描述“{this}”理解</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“{phrase}” could mean {names}; read as the last one mentioned</source>
        <translation>“{phrase}”可能指 {names}；按最后提到的那个理解</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“it” could mean {names}; read as {chosen}</source>
        <translation>“it”可能指 {names}；按 {chosen} 理解</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>“{where}” could describe “{inner}” or “{whole}”; read as “{whole}”</source>
        <translation>“{where}”可能描述“{inner}”或“{whole}”；按描述“{whole}”理解</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>“{order}” places two or three things; {count} were listed, so none is placed</source>
        <translation>“{order}”用于排列两到三样东西；这里列了 {count} 样，因此都不排列</translation>
    </message>
</context>
<context>
    <name>LayoutOutcome</name>
    <message>
        <location line="-28"/>
        <source>Layout: {parts}</source>
        <translation>布局：{parts}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1 region laid out</source>
        <translation>已布置 1 个区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{added} regions laid out</source>
        <translation>已布置 {added} 个区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{removed} removed</source>
        <translation>已移除 {removed} 个</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{kept} kept as you changed them</source>
        <translation>保留 {kept} 个你改动过的</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{unchanged} already in place</source>
        <translation>{unchanged} 个已就位</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the whole picture now reads “{prompt}”</source>
        <translation>整幅画面的提示词现为“{prompt}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the whole picture now has no prompt of its own</source>
        <translation>整幅画面现在没有自己的提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no place words in the prompt</source>
        <translation>提示词中没有位置词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>no place words in the prompt: nothing to lay out</source>
        <translation>提示词中没有位置词：无可布置</translation>
    </message>
</context>
<context>
    <name>LiveController</name>
    <message>
        <location filename="../../gui/live.py" line="+55"/>
        <source>Apply live picture</source>
        <translation>应用实时画面</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Live picture</source>
        <translation>实时画面</translation>
    </message>
    <message>
        <location line="+212"/>
        <source>No live picture to apply yet</source>
        <extracomment>The fewest steps a partly painted canvas&apos;s live render draws its bare part in.</extracomment>
        <translation>还没有可应用的实时画面</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The live picture no longer fits the canvas; not applied</source>
        <translation>实时画面与画布尺寸不再相符；未应用</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Live off</source>
        <translation>实时模式已关闭</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+178"/>
        <source>Live: {message}</source>
        <translation>实时：{message}</translation>
    </message>
    <message>
        <location line="-175"/>
        <source>Live on</source>
        <translation>实时模式已开启</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>choose a model first (Model ▸ Choose models…)</source>
        <translation>请先选择模型（模型 ▸ 选择模型…）</translation>
    </message>
    <message>
        <location line="+103"/>
        <source>Live works again</source>
        <translation>实时模式已恢复正常</translation>
    </message>
</context>
<context>
    <name>LiveDefaults</name>
    <message>
        <location filename="../../gui/family_defaults.py" line="+172"/>
        <source>FLUX.1 dev is slow for live mode (seconds a picture even with 12 steps); FLUX.1 schnell follows the sketch in 1–4 steps</source>
        <translation>FLUX.1 dev 用于实时模式太慢（即使 12 步，每张也要数秒）；FLUX.1 schnell 只需 1–4 步即可跟随草图</translation>
    </message>
</context>
<context>
    <name>LiveGuidanceSpin</name>
    <message>
        <location filename="../../gui/live_view.py" line="+103"/>
        <source>As the prompt</source>
        <translation>同提示词</translation>
    </message>
</context>
<context>
    <name>LiveMode</name>
    <message>
        <location line="+198"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>&amp;Live</source>
        <translation>实时(&amp;L)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Re-render on every change (latest wins)</source>
        <translation>每次更改都重新生成（以最新为准）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Live view beside the canvas (&amp;split)</source>
        <translation>实时视图并排显示(&amp;S)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Apply live picture</source>
        <translation>应用实时画面(&amp;A)</translation>
    </message>
</context>
<context>
    <name>LivePicture</name>
    <message>
        <location line="-250"/>
        <source>Live is off</source>
        <translation>实时模式已关闭</translation>
    </message>
</context>
<context>
    <name>LiveView</name>
    <message>
        <location line="+53"/>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Copy the live picture into the document as a paint layer</source>
        <translation>将实时画面作为绘画图层复制到文档中</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>New seed</source>
        <translation>新种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Try another live seed</source>
        <translation>换一个实时种子试试</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Steps of a live render: few follow the hand faster</source>
        <translation>实时生成的步数：步数越少，跟手越快</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Guidance of a live render: few steps often need less than a full render; &apos;As the prompt&apos; uses the prompt panel&apos;s</source>
        <translation>实时渲染的引导系数：步数少时通常比完整渲染需要更低的值；“同提示词”使用提示词面板的引导系数</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Few-step LoRA</source>
        <translation>少步数 LoRA</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Render live pictures with the model&apos;s own few-step LoRA: its few steps keep what a full render gets right, at its own guidance</source>
        <translation>用模型自带的少步数 LoRA 渲染实时画面：少量步数即可保留完整渲染画对的内容，使用其自身的引导系数</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>How much of the sketch is re-made: 1 = from scratch, lower keeps more of it. The bare canvas around it is drawn from the prompt anew.</source>
        <translation>草图的重绘幅度：1 = 完全重画，越低保留越多。草图周围的空白画布按提示词重新绘制。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strength</source>
        <translation>重绘幅度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Guidance</source>
        <translation>引导系数</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Live is off ({shortcut} or the Live button turns it on)</source>
        <translation>实时模式已关闭（按 {shortcut} 或“实时”按钮开启）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Waiting for the full render…</source>
        <translation>等待完整生成…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rendering…</source>
        <translation>生成中…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not up to date: {message}</source>
        <translation>未更新：{message}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The picture shows an earlier state</source>
        <translation>画面显示的是较早的状态</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Up to date</source>
        <translation>已是最新</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Waiting for a change…</source>
        <translation>等待更改…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nothing painted yet: drawn from the prompt alone</source>
        <translation>尚未绘制任何内容：仅按提示词生成</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>The few-step LoRA renders at its own guidance ({guidance:g})</source>
        <translation>少步数 LoRA 使用其自身的引导系数（{guidance:g}）</translation>
    </message>
</context>
<context>
    <name>Loading</name>
    <message>
        <location filename="../../gui/jobs.py" line="-245"/>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>ControlNet</source>
        <translation>ControlNet</translation>
    </message>
</context>
<context>
    <name>LoraList</name>
    <message>
        <location filename="../../gui/panels/lora_list.py" line="+181"/>
        <source>Add LoRA…</source>
        <translation>添加 LoRA…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add a LoRA from your model folders (Model ▸ Models…) or from a file</source>
        <translation>从模型文件夹（模型 ▸ 模型管理…）或文件添加 LoRA</translation>
    </message>
    <message>
        <location line="+82"/>
        <source>{name} (in the list)</source>
        <translation>{name}（已在列表中）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>No LoRAs found in your model folders</source>
        <translation>模型文件夹中没有找到 LoRA</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No model folders set: add one under Model ▸ Models…</source>
        <translation>尚未设置模型文件夹：请在“模型 ▸ 模型管理…”中添加</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose a file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Choose a LoRA</source>
        <translation>选择 LoRA</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>LoRA files (*.safetensors);;All files (*)</source>
        <translation>LoRA 文件 (*.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{name} is already in the list</source>
        <translation>{name} 已在列表中</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>A list holds at most %n LoRAs: remove one first</source>
        <translation>
            <numerusform>列表最多容纳 %n 个 LoRA：请先移除一个</numerusform>
        </translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Added the LoRA {name}</source>
        <translation>已添加 LoRA {name}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Removed the LoRA {name}</source>
        <translation>已移除 LoRA {name}</translation>
    </message>
</context>
<context>
    <name>LoraRow</name>
    <message>
        <location line="-251"/>
        <source>Use this LoRA (off: it stays in the list but does nothing)</source>
        <translation>启用此 LoRA（关闭时仍留在列表中，但不起作用）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>How strongly this LoRA acts: 1 as trained, 0 not at all, negative the opposite (-{max}..{max})</source>
        <translation>此 LoRA 的作用强度：1 = 按训练效果，0 = 不起作用，负值 = 反向作用（-{max}..{max}）</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Remove {name} from the list</source>
        <translation>从列表中移除 {name}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Its trigger words: click one to add it to the prompt</source>
        <translation>触发词：点击即可添加到提示词</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>model family not known</source>
        <translation>模型系列未知</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/main_window.py" line="+90"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Undo History</source>
        <translation>撤销历史</translation>
    </message>
    <message>
        <location line="+107"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Export PNG…</source>
        <translation>导出 PNG(&amp;E)…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Import image as reference…</source>
        <translation>导入图片为参考图(&amp;I)…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Import image as &amp;paint layer…</source>
        <translation>导入图片为绘画图层(&amp;P)…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A&amp;utosave interval…</source>
        <translation>自动保存间隔(&amp;U)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+110"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location line="-107"/>
        <location line="+108"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location line="-104"/>
        <source>&amp;Paste image as reference</source>
        <translation>粘贴图片为参考图(&amp;P)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Preferences…</source>
        <translation>首选项(&amp;P)…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Fit to window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Show &amp;guides and masks</source>
        <translation>显示引导和蒙版(&amp;G)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Undo &amp;History</source>
        <translation>撤销历史(&amp;H)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Render</source>
        <translation>生成(&amp;R)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Layout</source>
        <translation>布局(&amp;L)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Models…</source>
        <translation>模型管理(&amp;M)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Choose models…</source>
        <translation>选择模型(&amp;C)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About F1 Studio</source>
        <translation>关于 F1 Studio(&amp;A)</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>&amp;Undo {step}</source>
        <translation>撤销 {step}(&amp;U)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Redo {step}</source>
        <translation>重做 {step}(&amp;R)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Nothing to undo</source>
        <translation>没有可撤销的操作</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Nothing to redo</source>
        <translation>没有可重做的操作</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Export PNG</source>
        <translation>导出 PNG</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>PNG images</source>
        <translation>PNG 图片</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Exported {name} (the previewed result)</source>
        <translation>已导出 {name}（预览中的结果）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported {name} without generation settings (the canvas is not a result as it was rendered)</source>
        <translation>已导出 {name}，不含生成设置（画布不是原样渲染的结果）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Exported {name}</source>
        <translation>已导出 {name}</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Could not save the preferences: {error}</source>
        <translation>无法保存首选项：{error}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Preferences saved; the new language shows at the next start</source>
        <translation>首选项已保存；新语言将在下次启动时生效</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preferences saved</source>
        <translation>首选项已保存</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Settings for {label}: {steps} steps, guidance {guidance}, {scheduler}</source>
        <translation>{label} 的设置：{steps} 步，引导系数 {guidance}，{scheduler}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>{label} ignores guidance</source>
        <translation>{label} 不使用引导系数</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>The demo model takes no LoRAs: choose a real model under Model ▸ Models…</source>
        <translation>演示模型不支持 LoRA：请在“模型 ▸ 模型管理…”中选择真正的模型</translation>
    </message>
</context>
<context>
    <name>ModelBanner</name>
    <message>
        <location filename="../../gui/model_banner.py" line="+18"/>
        <source>This canvas is {width}×{height}: use File ▸ New for a {size}×{size} one.</source>
        <translation>当前画布为 {width}×{height}：可用“文件 ▸ 新建”创建 {size}×{size} 的画布。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>You are using the built-in demo model: it draws flat circles, squares and triangles in eight colours, {size}×{size} pixels.{fits} For real pictures, download a recommended model or add your model folder (Models…).</source>
        <translation>你正在使用内置演示模型：它只能画出八种颜色的纯色圆形、正方形和三角形，尺寸为 {size}×{size} 像素。{fits}如需生成真正的图片，请下载推荐模型或添加你的模型文件夹（模型管理…）。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Models…</source>
        <translation>模型管理…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>No model chosen: F1 Studio needs a Stable Diffusion 1.5, SDXL or FLUX.1 model (a folder, a .safetensors file or a Hugging Face id) to render.</source>
        <translation>未选择模型：F1 Studio 需要 Stable Diffusion 1.5、SDXL 或 FLUX.1 模型（文件夹、.safetensors 文件或 Hugging Face ID）才能生成。</translation>
    </message>
</context>
<context>
    <name>ModelFamilies</name>
    <message>
        <location filename="../../gui/family_defaults.py" line="-144"/>
        <source>Stable Diffusion 1.5</source>
        <extracomment>The family and variant labels the window shows, for ``lupdate`` (``translate(&quot;ModelFamilies&quot;, label)`` where they are shown; the engine&apos;s table keeps the English names).</extracomment>
        <translation>Stable Diffusion 1.5</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>shapes-world demo</source>
        <translation>形状世界演示</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SDXL</source>
        <translation>SDXL</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>FLUX.1</source>
        <translation>FLUX.1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>FLUX.1 dev</source>
        <translation>FLUX.1 dev</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>FLUX.1 Fill</source>
        <translation>FLUX.1 Fill</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>FLUX.1 schnell</source>
        <translation>FLUX.1 schnell</translation>
    </message>
</context>
<context>
    <name>ModelRoles</name>
    <message>
        <location filename="../../gui/downloads_page.py" line="-274"/>
        <source>base</source>
        <extracomment>The models&apos; roles (``catalog.ROLES`` and ``recommended.EXTRA_ROLES``), for ``lupdate``: shown through :func:`role_label`.</extracomment>
        <translation>基础模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>controlnet</source>
        <translation>ControlNet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>depth-estimator</source>
        <translation>深度估计</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>tiny-vae</source>
        <translation>轻量 VAE</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>lora</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ip-adapter</source>
        <translation>IP-Adapter</translation>
    </message>
</context>
<context>
    <name>ModelSlots</name>
    <message>
        <location filename="../../gui/models_dialog.py" line="+50"/>
        <source>base model</source>
        <extracomment>The model slots&apos; labels (``model_choice.slot_label``), for ``lupdate``: shown through :func:`slot_text_label`.</extracomment>
        <translation>基础模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>edge ControlNet</source>
        <translation>边缘 ControlNet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>depth ControlNet</source>
        <translation>深度 ControlNet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>depth estimator</source>
        <translation>深度估计模型</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <location line="-14"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Family</source>
        <translation>系列</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Role</source>
        <translation>用途</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>&lt;b&gt;No models yet — here is how to get one.&lt;/b&gt; F1 Studio renders with Stable Diffusion 1.5, SDXL and FLUX.1 models; until you choose one it uses its small built-in demo model, which draws only flat shapes.&lt;ol&gt;&lt;li&gt;&lt;b&gt;Download one:&lt;/b&gt; open the &lt;i&gt;Recommended&lt;/i&gt; tab, select a model (its licence is shown before anything is downloaded) and press &lt;i&gt;Download&lt;/i&gt;. SD1.5 runs on almost any computer; SDXL and FLUX.1 want a GPU with 8–16 GB or more.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Use the ones you have:&lt;/b&gt; press &lt;i&gt;Add folder…&lt;/i&gt; and choose a folder of models, or your AUTOMATIC1111 or ComfyUI install. Nothing is copied.&lt;/li&gt;&lt;/ol&gt;Then select the model in this list and press &lt;i&gt;Use as base model&lt;/i&gt;.</source>
        <translation>&lt;b&gt;还没有模型——获取方法如下。&lt;/b&gt;F1 Studio 使用 Stable Diffusion 1.5、SDXL 和 FLUX.1 模型生成图片；在你选择模型之前，它使用内置的小型演示模型，只能画出简单的纯色形状。&lt;ol&gt;&lt;li&gt;&lt;b&gt;下载模型：&lt;/b&gt;打开&lt;i&gt;推荐&lt;/i&gt;标签页，选择一个模型（下载前会先显示其许可证），然后点击&lt;i&gt;下载&lt;/i&gt;。SD1.5 几乎能在任何电脑上运行；SDXL 和 FLUX.1 需要 8–16 GB 或更多显存的 GPU。&lt;/li&gt;&lt;li&gt;&lt;b&gt;使用已有模型：&lt;/b&gt;点击&lt;i&gt;添加文件夹…&lt;/i&gt;，选择存放模型的文件夹，或你的 AUTOMATIC1111 或 ComfyUI 安装目录。不会复制任何文件。&lt;/li&gt;&lt;/ol&gt;然后在此列表中选中模型，点击&lt;i&gt;用作基础模型&lt;/i&gt;。</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Models</source>
        <translation>模型管理</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Recommended</source>
        <translation>推荐</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A folder of models, a model folder, or an AUTOMATIC1111 / ComfyUI install</source>
        <translation>存放模型的文件夹、单个模型的文件夹，或 AUTOMATIC1111 / ComfyUI 安装目录</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Use as {slot}</source>
        <translation>用作{slot}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Use as tiny VAE</source>
        <translation>用作轻量 VAE</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Decodes live renders and step previews of its family</source>
        <translation>为同系列模型解码实时生成画面和逐步预览</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Use for reference pictures</source>
        <translation>用于参考图</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The IP-Adapter (SD1.5, SDXL) or FLUX.1 Redux that reference layers set to Style, Subject or Composition steer renders of its family with</source>
        <translation>参考图层设为风格、主体或构图时，该系列模型生成所用的 IP-Adapter（SD1.5、SDXL）或 FLUX.1 Redux</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not look for models: {error}</source>
        <translation>无法查找模型：{error}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>1 model found.</source>
        <translation>找到 1 个模型。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} models found.</source>
        <translation>找到 {count} 个模型。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No models found: add a folder, or download one from the Recommended tab.</source>
        <translation>未找到模型：请添加文件夹，或从“推荐”标签页下载。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{count} other files or folders were not identified.</source>
        <translation>另有 {count} 个文件或文件夹无法识别。</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Reference pictures on {family} use {name}.</source>
        <translation>{family} 的参考图使用 {name}。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Tiny VAE for {family}: {name}.</source>
        <translation>{family} 的轻量 VAE：{name}。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Add a folder of models</source>
        <translation>添加模型文件夹</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Looking for models in {path}…</source>
        <translation>正在 {path} 中查找模型…</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>{slot}: {name}.</source>
        <translation>{slot}：{name}。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Its weights are pickled: they are loaded only when you allow pickled weights (Model ▸ Choose models…).</source>
        <translation>其权重为 pickle 格式：只有在允许 pickle 格式权重后才会加载（模型 ▸ 选择模型…）。</translation>
    </message>
</context>
<context>
    <name>MoveGesture</name>
    <message>
        <location filename="../../gui/canvas/move_gesture.py" line="+130"/>
        <location line="+113"/>
        <source>Choose a layer to move</source>
        <translation>请选择要移动的图层</translation>
    </message>
    <message>
        <location line="-109"/>
        <source>The selected layer is gone: choose another one</source>
        <translation>所选图层已不存在：请另选一个</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Layer &apos;{name}&apos; is locked: unlock it to move it</source>
        <translation>图层“{name}”已锁定：解锁后才能移动</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Layer &apos;{name}&apos; is hidden: show it to move it</source>
        <translation>图层“{name}”已隐藏：显示后才能移动</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Move {layer}</source>
        <translation>移动 {layer}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Scale {layer}</source>
        <translation>缩放 {layer}</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>Layer &apos;{name}&apos; is empty: there is nothing to move</source>
        <translation>图层“{name}”是空的：没有可移动的内容</translation>
    </message>
</context>
<context>
    <name>NewProject</name>
    <message>
        <location filename="../../gui/new_project.py" line="+30"/>
        <source>Sketch</source>
        <translation>草图</translation>
    </message>
</context>
<context>
    <name>Painter</name>
    <message>
        <location filename="../../gui/canvas/painter.py" line="+51"/>
        <source>Choose a layer to paint on</source>
        <translation>请选择要绘画的图层</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The selected layer is gone: choose another one</source>
        <translation>所选图层已不存在：请另选一个</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Layer &apos;{name}&apos; is locked</source>
        <translation>图层“{name}”已锁定</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Layer &apos;{name}&apos; is hidden: show it to paint on it</source>
        <translation>图层“{name}”已隐藏：显示后才能在上面绘画</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Paint</source>
        <translation>绘制</translation>
    </message>
    <message>
        <location line="+118"/>
        <source>Fill</source>
        <translation>填充</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Fill ellipse</source>
        <translation>填充椭圆</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fill rectangle</source>
        <translation>填充矩形</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <location filename="../../gui/preferences_dialog.py" line="+66"/>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>New projects</source>
        <translation>新项目</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>As the system ({language})</source>
        <translation>跟随系统（{language}）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A new language shows when F1 Studio starts again.</source>
        <translation>重新启动 F1 Studio 后新语言生效。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+73"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="-70"/>
        <source>How often a recovery copy of unsaved work is written (0: never)</source>
        <translation>为未保存的工作写入恢复副本的频率（0：从不）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Autosave every</source>
        <translation>自动保存间隔</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Automatic ({count})</source>
        <translation>自动（{count}）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>CPU threads the engine renders with (automatic: all cores but one)</source>
        <translation>引擎生成时使用的 CPU 线程数（自动：除一个核心外的全部核心）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CPU threads</source>
        <translation>CPU 线程数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Applies when F1 Studio starts again.</source>
        <translation>重新启动 F1 Studio 后生效。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Automatic (by free GPU memory)</source>
        <translation>自动（按可用显存）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All on the GPU (fastest)</source>
        <translation>全部放在 GPU 上（最快）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Offload each model (less memory)</source>
        <translation>逐个模型卸载（省显存）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Offload layer by layer (least memory, slow)</source>
        <translation>逐层卸载（最省显存，较慢）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>GPU memory</source>
        <translation>显存</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>8-bit (int8, torchao)</source>
        <translation>8 位（int8，torchao）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>4-bit (NF4, bitsandbytes)</source>
        <translation>4 位（NF4，bitsandbytes）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Quantise the FLUX.1 transformer so that it fits a smaller GPU</source>
        <translation>量化 FLUX.1 的 Transformer，以便在显存较小的 GPU 上运行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>FLUX.1 weights</source>
        <translation>FLUX.1 权重</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Applies when the next model loads.</source>
        <translation>下次加载模型时生效。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Channels-last memory layout</source>
        <translation>通道在后（channels-last）内存布局</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Lays out the convolutions of UNets and VAEs the way GPUs run them fastest</source>
        <translation>按 GPU 运行最快的方式排布 UNet 和 VAE 的卷积</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Fused attention projections</source>
        <translation>融合注意力投影</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>One matrix product for query, key and value instead of three</source>
        <translation>查询、键和值用一次矩阵乘法，而不是三次</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Denoiser</source>
        <translation>去噪模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Denoiser and VAE decoder</source>
        <translation>去噪模型和 VAE 解码器</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>torch.compile: the first render after a model loads takes minutes longer, the renders after it are faster</source>
        <translation>torch.compile：模型加载后的第一次渲染要多花几分钟，之后的渲染更快</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Compile</source>
        <translation>编译</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Folders searched for models, LoRAs and embeddings (A1111, ComfyUI…):</source>
        <translation>搜索模型、LoRA 和嵌入（embedding）的文件夹（A1111、ComfyUI…）：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Tiny VAE for previews and live mode (empty: none):</source>
        <translation>用于预览和实时模式的轻量 VAE（留空：不使用）：</translation>
    </message>
    <message>
        <location line="+81"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="-69"/>
        <source>Configuration of single-file checkpoints when the Hugging Face cache has none (a local diffusers folder of the family, or a hub id):</source>
        <translation>单文件模型的配置，在 Hugging Face 缓存中没有时使用（同系列的本地 diffusers 文件夹或 Hub ID）：</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>a folder or a Hugging Face id, e.g. {example}</source>
        <translation>文件夹或 Hugging Face ID，例如 {example}</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Canvas size and steps a new project starts with (0: the model&apos;s usual):</source>
        <translation>新项目的初始画布尺寸和步数（0：使用模型默认值）：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+5"/>
        <source>Usual</source>
        <translation>默认</translation>
    </message>
    <message>
        <location line="-4"/>
        <source> px</source>
        <translation> px</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>As suits the model</source>
        <translation>随模型而定</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Live mode steps</source>
        <translation>实时模式步数</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>How much of the sketch live mode re-makes (1: from scratch)</source>
        <translation>实时模式对草图的重绘幅度（1：完全重画）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Live mode strength</source>
        <translation>实时模式重绘幅度</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
    <message>
        <location line="-36"/>
        <location line="+20"/>
        <source>Set by the environment variable {variable}: it decides while it is set.</source>
        <translation>由环境变量 {variable} 设定：只要设置了该变量，就以它为准。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Add a models folder</source>
        <translation>添加模型文件夹</translation>
    </message>
</context>
<context>
    <name>PromptPanel</name>
    <message>
        <location filename="../../gui/panels/prompt_panel.py" line="+38"/>
        <source>Describe the picture…</source>
        <translation>描述画面…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>colours: {colours}; shapes: {shapes}; sizes: {sizes}; places: {places}</source>
        <translation>颜色：{colours}；形状：{shapes}；大小：{sizes}；位置：{places}</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>What to avoid (negative prompt)…</source>
        <translation>要避免的内容（反向提示词）…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Denoising steps: more is slower and usually finer</source>
        <translation>去噪步数：越多越慢，通常也越精细</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Let the engine choose: the steps the model was measured to need for this sampler (if its folder has a step plan), else stop once the picture stops changing; the number is then the most steps it may take</source>
        <translation>由引擎决定：若模型文件夹中有步数方案，则使用针对此采样器实测所需的步数，否则在画面不再变化时停止；此时数字表示最多可用的步数</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pick a new seed for every generation</source>
        <translation>每次生成都使用新的种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reuse last</source>
        <translation>沿用上次</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Use the seed of the last result and keep it fixed</source>
        <translation>使用上一个结果的种子并保持固定</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Apply size</source>
        <translation>应用尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scale the canvas and every layer (undoable)</source>
        <translation>缩放画布和所有图层（可撤销）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 = from scratch, lower keeps more of the canvas</source>
        <translation>1 = 完全重画，越低保留的画布内容越多</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>How many pictures to make (consecutive seeds)</source>
        <translation>要生成的图片数量（种子依次递增）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Re-render on every change with the live settings (Ctrl+L)</source>
        <translation>按实时设置，每次更改都重新生成（Ctrl+L）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Negative</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LoRAs</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <location line="-40"/>
        <location line="+41"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Denoise</source>
        <translation>重绘幅度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scheduler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <location line="-20"/>
        <location line="+21"/>
        <source>Batch</source>
        <translation>生成数量</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>The prompt already has {words}</source>
        <translation>提示词中已包含 {words}</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Settings for {name}: {settings}</source>
        <translation>{name} 的设置：{settings}</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>Words it knows: {words}</source>
        <translation>可识别的词：{words}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Left out (the model does not know them): {words}</source>
        <translation>已略去（模型不认识这些词）：{words}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Read as: {pairs}</source>
        <translation>理解为：{pairs}</translation>
    </message>
    <message>
        <location line="+84"/>
        <source>Render once first: then this uses its seed again</source>
        <translation>请先生成一次，之后才能沿用其种子</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Use seed {seed} again (the last result&apos;s) and keep it fixed</source>
        <translation>再次使用种子 {seed}（上一个结果的）并保持固定</translation>
    </message>
</context>
<context>
    <name>RecommendedModels</name>
    <message>
        <location filename="../../gui/downloads_page.py" line="+4"/>
        <source>non-commercial use only</source>
        <extracomment>``RecommendedModel.licence_notes()``, for ``lupdate`` (shown translated).</extracomment>
        <translation>仅限非商业用途</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>gated: accept the licence on the model page and set a token first</source>
        <translation>受限访问：请先在模型页面接受许可证并设置令牌</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>the model page may ask you to accept the licence first</source>
        <translation>模型页面可能要求你先接受许可证</translation>
    </message>
</context>
<context>
    <name>RenderControls</name>
    <message>
        <location filename="../../gui/render_controls.py" line="+28"/>
        <source>Generate  (Ctrl+Enter)</source>
        <translation>生成  (Ctrl+Enter)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel  (Esc)</source>
        <translation>取消  (Esc)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>starting…</source>
        <translation>准备中…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+8"/>
        <source>step {step}/{total}</source>
        <translation>第 {step}/{total} 步</translation>
    </message>
</context>
<context>
    <name>ResultsStrip</name>
    <message>
        <location filename="../../gui/panels/results_strip.py" line="+71"/>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add the previewed result to the document as a layer (Enter)</source>
        <translation>将预览中的结果作为图层添加到文档（Enter）</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+130"/>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <location line="-128"/>
        <source>Remove the selected result from the history (Delete)</source>
        <translation>从历史记录中移除所选结果（Delete）</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Applied as a layer</source>
        <translation>已应用为图层</translation>
    </message>
    <message>
        <location line="+79"/>
        <source>Apply as layer</source>
        <translation>应用为图层</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Reuse settings</source>
        <translation>复用设置</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Reuse seed</source>
        <translation>复用种子</translation>
    </message>
    <message numerus="yes">
        <location line="+12"/>
        <source>Keep at most %n results…</source>
        <translation>
            <numerusform>最多保留 %n 个结果…</numerusform>
        </translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Results kept with the project</source>
        <translation>随项目保存的结果</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep at most this many results (the oldest go first):</source>
        <translation>最多保留的结果数（最早的先删除）：</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>%n older results removed</source>
        <translation>
            <numerusform>已移除 %n 个较早的结果</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Schedulers</name>
    <message>
        <location filename="../../gui/family_defaults.py" line="+5"/>
        <source>DPM++ 2M</source>
        <extracomment>The schedulers&apos; labels (``engine.request.SCHEDULER_LABELS``), for ``lupdate`` (``translate(&quot;Schedulers&quot;, label)`` where they are shown).</extracomment>
        <translation>DPM++ 2M</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DPM++ 2M Karras</source>
        <translation>DPM++ 2M Karras</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Euler</source>
        <translation>Euler</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Euler a</source>
        <translation>Euler a</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DDIM</source>
        <translation>DDIM</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Flow Euler</source>
        <translation>Flow Euler</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LCM</source>
        <translation>LCM</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>TCD</source>
        <translation>TCD</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Euler Trailing</source>
        <translation>Euler Trailing</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DPM adaptive</source>
        <translation>DPM 自适应</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <location filename="../../gui/help_dialogs.py" line="-145"/>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cancel the running job</source>
        <translation>取消正在运行的任务</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Brush / eraser / fill / rectangle / ellipse</source>
        <translation>画笔 / 橡皮擦 / 填充 / 矩形 / 椭圆</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Move and scale the active layer</source>
        <translation>移动和缩放当前图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Smaller / larger brush</source>
        <translation>缩小 / 放大画笔</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Alt (held)</source>
        <translation>Alt（按住）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Erase with the current tool</source>
        <translation>用当前工具擦除</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Space+drag, middle button</source>
        <translation>空格+拖动、鼠标中键</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Pan</source>
        <translation>平移画布</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mouse wheel</source>
        <translation>鼠标滚轮</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom around the cursor</source>
        <translation>以光标为中心缩放</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fit the canvas to the window</source>
        <translation>画布适应窗口</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Undo / redo</source>
        <translation>撤销 / 重做</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save / save as</source>
        <translation>保存 / 另存为</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export PNG</source>
        <translation>导出 PNG</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import an image as a reference layer</source>
        <translation>导入图片为参考图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Import an image as a paint layer</source>
        <translation>导入图片为绘画图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paste an image as a reference layer</source>
        <translation>粘贴图片为参考图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show or hide guides and masks</source>
        <translation>显示或隐藏引导和蒙版</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Live mode on or off</source>
        <translation>开启或关闭实时模式</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Layout: region layers from the prompt&apos;s place words</source>
        <translation>布局：根据提示词中的方位词生成区域图层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location line="+7"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
</context>
<context>
    <name>SizeSpinBox</name>
    <message>
        <location filename="../../gui/panels/size_spin.py" line="+27"/>
        <source>Width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Height</source>
        <translation>高度</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>sides are multiples of {step}, from {min} to {max}</source>
        <translation>边长为 {step} 的倍数，范围 {min} 到 {max}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Size {width} × {height}: {rule}</source>
        <translation>尺寸 {width} × {height}：{rule}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>{side} in pixels: {rule}</source>
        <translation>{side}（像素）：{rule}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>{side} {typed} → {value}: {rule}</source>
        <translation>{side} {typed} → {value}：{rule}</translation>
    </message>
</context>
<context>
    <name>ToolBar</name>
    <message>
        <location filename="../../gui/toolbar.py" line="+57"/>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>{tool} ({shortcut})</source>
        <translation>{tool} ({shortcut})</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Move (V): drag the active layer to move it, drag a handle of its box to scale it (Shift keeps the proportions, Esc cancels)</source>
        <translation>移动 (V)：拖动当前图层即可移动，拖动其边框上的控制点可缩放（按住 Shift 保持比例，Esc 取消）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Brush size in pixels ([ and ] to change)</source>
        <translation>画笔大小，单位为像素（按 [ 和 ] 调整）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Hardness</source>
        <translation>硬度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush hardness</source>
        <translation>画笔硬度</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush opacity</source>
        <translation>画笔不透明度</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+109"/>
        <source>Paint colour</source>
        <translation>画笔颜色</translation>
    </message>
    <message>
        <location line="-105"/>
        <source>Depth far</source>
        <translation>深度：远</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+68"/>
        <source>Grey level painted on depth guides</source>
        <translation>在深度引导上绘制的灰度</translation>
    </message>
    <message>
        <location line="-63"/>
        <source>near</source>
        <translation>近</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Depth level the brush paints: 0 = far, 255 = near</source>
        <translation>画笔绘制的深度值：0 = 远，255 = 近</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Brush size {key}</source>
        <translation>画笔大小 {key}</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Depth level: select a depth guide layer to paint depth</source>
        <translation>深度值：选中深度引导图层后才能绘制深度</translation>
    </message>
</context>
<context>
    <name>ToolKind</name>
    <message>
        <location filename="../../gui/tools.py" line="+24"/>
        <source>Move</source>
        <translation>移动</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill</source>
        <translation>填充</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rectangle</source>
        <translation>矩形</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ellipse</source>
        <translation>椭圆</translation>
    </message>
</context>
<context>
    <name>UndoHistoryPanel</name>
    <message>
        <location filename="../../gui/panels/undo_history.py" line="+21"/>
        <source>Start</source>
        <translation>初始状态</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Click a step to undo or redo to it</source>
        <translation>点击某一步即可撤销或重做到该步</translation>
    </message>
</context>
<context>
    <name>UndoSteps</name>
    <message>
        <location filename="../../gui/step_names.py" line="+22"/>
        <source>Hide layer</source>
        <extracomment>every template and word of ``document.step_names``, marked for the catalogue</extracomment>
        <translation>隐藏图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show layer</source>
        <translation>显示图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Unlock layer</source>
        <translation>解锁图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lock layer</source>
        <translation>锁定图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rename layer</source>
        <translation>重命名图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit prompt</source>
        <translation>编辑提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit negative prompt</source>
        <translation>编辑反向提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit region prompt</source>
        <translation>编辑区域提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit region negative prompt</source>
        <translation>编辑区域反向提示词</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit LoRAs</source>
        <translation>编辑 LoRA</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add layer</source>
        <translation>添加图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add {kind}</source>
        <translation>添加{kind}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duplicate layer</source>
        <translation>复制图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove layer</source>
        <translation>删除图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Move layer</source>
        <translation>移动图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Replace pixels</source>
        <translation>替换像素</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Paint</source>
        <translation>绘画</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill rectangle</source>
        <translation>填充矩形</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change step range</source>
        <translation>更改步数范围</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strength curve: {preset}</source>
        <translation>强度曲线：{preset}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Step range: {before} → {after}</source>
        <translation>步数范围：{before} → {after}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{field}: {before} → {after}</source>
        <translation>{field}：{before} → {after}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Change {field}</source>
        <translation>更改{field}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Steers</source>
        <translation>用途</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Strength</source>
        <translation>重绘幅度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Feather</source>
        <translation>羽化</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Limit to</source>
        <translation>限定区域</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start</source>
        <translation>起始</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>End</source>
        <translation>结束</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Trace only</source>
        <translation>仅描摹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Style</source>
        <translation>风格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Subject</source>
        <translation>主体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Composition</source>
        <translation>构图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the whole canvas</source>
        <translation>整个画布</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Structure first</source>
        <translation>先定结构</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Texture later</source>
        <translation>后加纹理</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ease in/out</source>
        <translation>缓入缓出</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paint</source>
        <translation>绘画图层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>edge guide</source>
        <translation>边缘引导</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>depth guide</source>
        <translation>深度引导</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>reference image</source>
        <translation>参考图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>inpaint mask</source>
        <translation>局部重绘蒙版</translation>
    </message>
</context>
<context>
    <name>_PathField</name>
    <message>
        <location filename="../../gui/choose_models_dialog.py" line="-138"/>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Choose a model folder</source>
        <translation>选择模型文件夹</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Choose a checkpoint</source>
        <translation>选择模型文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Safetensors checkpoints</source>
        <translation>Safetensors 模型文件</translation>
    </message>
</context>
</TS>
